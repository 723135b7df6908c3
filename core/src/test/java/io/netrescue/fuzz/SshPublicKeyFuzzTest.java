package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.HostKeyReport;
import io.netrescue.rescue.SshPublicKey;
import java.util.Base64;

/**
 * A rescue system's host key report and an operator's public key reach files a root shell trusts:
 * any input is a key whose canonical line parses back to itself and stays one printable line, or
 * an {@link InvalidInputException}; nothing else escapes.
 */
class SshPublicKeyFuzzTest {
    private static final String[] TYPES = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", "sk-ssh-ed25519@openssh.com"};

    @FuzzTest(maxDuration = "20s")
    void keysAndReportsParseStrictly(FuzzedDataProvider d) {
        String line;
        if (d.consumeBoolean()) {
            // a well-formed frame around fuzzed content, so the blob checks are reached
            String type = TYPES[d.consumeInt(0, TYPES.length - 1)];
            byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] rest = d.consumeBytes(600);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + t.length + rest.length).putInt(t.length).put(t).put(rest);
            line = type + " " + Base64.getEncoder().encodeToString(b.array()) + (d.consumeBoolean() ? " " + d.consumeString(40) : "");
        } else {
            line = d.consumeString(2000);
        }
        try {
            SshPublicKey k = SshPublicKey.parse(line);
            assertThat(SshPublicKey.parse(k.line())).isEqualTo(k);
            assertThat(k.line()).doesNotContain("\n", "\r");
            assertThat(k.fingerprint()).startsWith("SHA256:");
        } catch (InvalidInputException expected) {
            // refused with a reason
        }
        try {
            HostKeyReport r = HostKeyReport.parse(line + "\n" + d.consumeRemainingAsString());
            assertThat(r.keys()).isNotEmpty().hasSizeLessThanOrEqualTo(HostKeyReport.MAX_KEYS);
        } catch (InvalidInputException expected) {
            // refused whole
        }
    }
}
