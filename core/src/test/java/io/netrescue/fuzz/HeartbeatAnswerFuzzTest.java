package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.watchdog.HeartbeatAnswer;
import io.netrescue.watchdog.HeartbeatAnswerCodec;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Whatever arrives on the agent's heartbeat socket: an authentic answer or MalformedPacketException, nothing else. */
class HeartbeatAnswerFuzzTest {
    static final byte[] KEY = new byte[32];

    @FuzzTest(maxDuration = "15s")
    void decodeOnlyAcceptsAuthenticAnswers(FuzzedDataProvider d) {
        boolean sign = d.consumeBoolean();
        byte[] raw = d.consumeRemainingAsBytes();
        if (sign && raw.length > 32) {
            byte[] body = java.util.Arrays.copyOf(raw, raw.length - 32);
            System.arraycopy(io.netrescue.sysrq.SysrqCodec.mac(KEY, body, body.length), 0, raw, raw.length - 32, 32);
        }
        try {
            HeartbeatAnswer a = HeartbeatAnswerCodec.decode(ByteBuffer.wrap(raw), x -> Optional.of(KEY));
            assertThat(HeartbeatAnswerCodec.encode(a, KEY)).isEqualTo(raw);
        } catch (MalformedPacketException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
