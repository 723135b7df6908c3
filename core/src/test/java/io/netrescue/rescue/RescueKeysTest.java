package io.netrescue.rescue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The keys an activation carries: given and registered together, each key once, and the limit counts exactly those. */
class RescueKeysTest {
    /** A well-formed ed25519 public key line, distinct for each {@code i}. */
    static String key(int i, String comment) {
        byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
        byte[] k = new byte[32];
        k[0] = (byte) i;
        k[1] = (byte) (i >> 8);
        ByteBuffer b = ByteBuffer.allocate(4 + type.length + 4 + 32).putInt(type.length).put(type).putInt(32).put(k);
        return "ssh-ed25519 " + Base64.getEncoder().encodeToString(b.array()) + " " + comment;
    }

    static List<SshPublicKey> keys(int from, int to, String comment) {
        return IntStream.range(from, to).mapToObj(i -> SshPublicKey.parse(key(i, comment + i))).toList();
    }

    @Test
    void theLimitCountsWhatTheActivationCarriesGivenAndRegisteredTogether() {
        // 16 registered and 16 given: 32 carried, the limit
        assertThat(RescueKeys.forActivation("web1", keys(100, 116, "given"), keys(0, 16, "team"), false)).hasSize(RescueKeys.MAX);
        // one more given (17): 33 carried, refused, and the message says what is counted
        assertThatThrownBy(() -> RescueKeys.forActivation("web1", keys(100, 117, "given"), keys(0, 16, "team"), false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("a rescue activation carries at most 32 SSH keys, the given and the host's registered ones together"
                        + " (the same key counted once): this one would carry 33 (17 given, 16 registered)");
        // a given key that is also registered (another comment) counts once: 16 + 17 given of which 1 registered = 32
        List<SshPublicKey> given = new java.util.ArrayList<>(keys(100, 116, "given"));
        given.add(SshPublicKey.parse(key(3, "also-registered")));
        List<SshPublicKey> carried = RescueKeys.forActivation("web1", given, keys(0, 16, "team"), false);
        assertThat(carried).hasSize(32);
        assertThat(carried).filteredOn(k -> k.sameKey(SshPublicKey.parse(key(3, "x")))).singleElement()
                .extracting(SshPublicKey::comment).isEqualTo("also-registered"); // the given spelling first
    }

    @Test
    void givenKeysAloneAreCheckedBeforeTheRegisteredOnesAreLookedUp() {
        RescueKeys.checkGiven(keys(0, 32, "k"));
        List<SshPublicKey> twice = new java.util.ArrayList<>(keys(0, 32, "k"));
        twice.addAll(keys(0, 32, "again")); // 64 lines, 32 keys
        RescueKeys.checkGiven(twice);
        assertThatThrownBy(() -> RescueKeys.checkGiven(keys(0, 33, "k"))).hasMessageContaining("this one would carry 33 (33 given, 0 registered)");
    }
}
