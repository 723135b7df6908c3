package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.ReplayGuard;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqMessage;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Whatever arrives on the agent's or the server's SysRq port: decode either returns an authentic
 * message or throws MalformedPacketException, nothing else, and the replay guard never throws.
 */
class SysrqCodecFuzzTest {
    static final byte[] KEY = new byte[32];

    @FuzzTest(maxDuration = "30s")
    void decodeOnlyAcceptsAuthenticMessages(FuzzedDataProvider d) {
        boolean sign = d.consumeBoolean();
        byte[] raw = d.consumeRemainingAsBytes();
        if (sign && raw.length > 32) {
            // give the fuzzer a way past the MAC: re-sign the prefix so field parsing is explored
            byte[] body = java.util.Arrays.copyOf(raw, raw.length - 32);
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
                System.arraycopy(mac.doFinal(body), 0, raw, raw.length - 32, 32);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            SysrqMessage m = SysrqCodec.decode(ByteBuffer.wrap(raw), h -> Optional.of(KEY));
            assertThat(SysrqCodec.encode(m, KEY)).isEqualTo(raw);
            if (m instanceof SysrqMessage.Request r) new ReplayGuard(30_000, 4, 0).check(r, 0);
        } catch (MalformedPacketException expected) {
            // counted and dropped by the receivers
        }
    }
}
