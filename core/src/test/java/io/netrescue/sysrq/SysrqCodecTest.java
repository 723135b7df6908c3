package io.netrescue.sysrq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.sysrq.SysrqMessage.Ack;
import io.netrescue.sysrq.SysrqMessage.Request;
import io.netrescue.sysrq.SysrqMessage.Status;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Property-style: generated messages round-trip, and every single-bit change is detected. */
class SysrqCodecTest {
    static final Random R = new Random(20261123);

    static byte[] key() {
        byte[] k = new byte[32];
        R.nextBytes(k);
        return k;
    }

    static String keys() {
        String alphabet = "0123456789adefghijklmnpqrstuvwxyz"; // no terminal keys, which must come last
        int n = 1 + R.nextInt(SysrqKeys.MAX - 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(R.nextInt(alphabet.length())));
        if (R.nextBoolean()) b.append("boc".charAt(R.nextInt(3)));
        return b.toString();
    }

    static String host() {
        return "h" + Integer.toString(R.nextInt(1 << 30), 36) + (R.nextBoolean() ? ".dc1" : "");
    }

    static SysrqMessage message() {
        if (R.nextInt(3) == 0) {
            byte[] sha = new byte[32];
            R.nextBytes(sha);
            String url = "http://10.0.0." + R.nextInt(256) + ":8080/kexec/manifest?token=" + "ab".repeat(R.nextInt(100));
            return new SysrqMessage.KexecRequest(host(), R.nextLong(), R.nextLong(), R.nextLong(), url, sha);
        }
        if (R.nextBoolean()) {
            return new Request(host(), R.nextLong(), R.nextLong(), R.nextLong(), R.nextInt(60_001), new SysrqKeys(keys()));
        }
        return new Ack(host(), R.nextLong(), R.nextLong(), R.nextLong(), Status.values()[R.nextInt(3)], R.nextInt(33),
                "detail " + R.nextInt());
    }

    @Test
    void generatedMessagesRoundTrip() throws Exception {
        for (int i = 0; i < 5000; i++) {
            SysrqMessage m = message();
            byte[] k = key();
            byte[] wire = SysrqCodec.encode(m, k);
            assertThat(wire.length).isLessThanOrEqualTo(SysrqCodec.MAX_DATAGRAM);
            assertThat(SysrqCodec.decode(ByteBuffer.wrap(wire), h -> h.equals(m.host()) ? Optional.of(k) : Optional.empty())).isEqualTo(m);
        }
    }

    @Test
    void everyBitFlipIsRefused() throws Exception {
        for (int i = 0; i < 200; i++) {
            SysrqMessage m = message();
            byte[] k = key();
            byte[] wire = SysrqCodec.encode(m, k);
            for (int bit = 0; bit < wire.length * 8; bit++) {
                byte[] t = wire.clone();
                t[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(t), h -> Optional.of(k)))
                        .isInstanceOf(MalformedPacketException.class);
            }
        }
    }

    @Test
    void truncationsAndExtensionsAreRefused() throws Exception {
        SysrqMessage m = message();
        byte[] k = key();
        byte[] wire = SysrqCodec.encode(m, k);
        for (int n = 0; n < wire.length; n++) {
            byte[] t = java.util.Arrays.copyOf(wire, n);
            assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(t), h -> Optional.of(k))).isInstanceOf(MalformedPacketException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(wire, wire.length + 1);
        assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(longer), h -> Optional.of(k))).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(new byte[513]), h -> Optional.of(k)))
                .isInstanceOf(MalformedPacketException.class).extracting(e -> ((MalformedPacketException) e).reason())
                .isEqualTo(MalformedPacketException.Reason.OVERSIZED);
    }

    @Test
    void aHostKeyOpensOnlyItsHost() throws Exception {
        byte[] master = key();
        byte[] k1 = HostKeys.derive(master, "web1"), k2 = HostKeys.derive(master, "web2");
        assertThat(k1).isNotEqualTo(k2).hasSize(32);
        assertThat(HostKeys.derive(master, "web1")).isEqualTo(k1);
        Request forWeb2 = new Request("web2", 1, 1, 1, 0, new SysrqKeys("b"));
        byte[] forged = SysrqCodec.encode(forWeb2, k1); // web1's key, web2's name
        assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(forged), h -> Optional.of(HostKeys.derive(master, h))))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void keysValidation() {
        assertThat(new SysrqKeys("sub").endsKernel()).isTrue();
        assertThat(new SysrqKeys("su").endsKernel()).isFalse();
        assertThatThrownBy(() -> new SysrqKeys("bs")).hasMessageContaining("must be the last key");
        assertThatThrownBy(() -> new SysrqKeys("S")).hasMessageContaining("invalid SysRq key");
        assertThatThrownBy(() -> new SysrqKeys("")).hasMessageContaining("no SysRq keys");
        assertThat(new SysrqKeys("sub").allowedBy("subo")).isTrue();
        assertThat(new SysrqKeys("sc").allowedBy("sub")).isFalse();
    }

    @Test
    void theLargestKexecRequestFitsADatagramAndItsFieldsAreChecked() throws Exception {
        String host = "h" + "x".repeat(62);
        String url = "https://" + "u".repeat(SysrqMessage.KexecRequest.MAX_URL - 8);
        var m = new SysrqMessage.KexecRequest(host, -1, -1, -1, url, new byte[32]);
        byte[] k = key();
        byte[] wire = SysrqCodec.encode(m, k);
        assertThat(wire.length).isLessThanOrEqualTo(SysrqCodec.MAX_DATAGRAM);
        assertThat(SysrqCodec.decode(ByteBuffer.wrap(wire), h -> Optional.of(k))).isEqualTo(m);
        assertThatThrownBy(() -> new SysrqMessage.KexecRequest("web1", 1, 1, 1, url + "u", new byte[32])).hasMessageContaining("at most 255");
        assertThatThrownBy(() -> new SysrqMessage.KexecRequest("web1", 1, 1, 1, "ftp://x/m", new byte[32])).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> new SysrqMessage.KexecRequest("web1", 1, 1, 1, "http://x/a b", new byte[32])).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> new SysrqMessage.KexecRequest("web1", 1, 1, 1, "http://x/m", new byte[31])).hasMessageContaining("32 bytes");
    }
}
