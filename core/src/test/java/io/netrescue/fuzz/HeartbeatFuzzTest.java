package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.watchdog.Heartbeat;
import io.netrescue.watchdog.HeartbeatCodec;
import io.netrescue.watchdog.HeartbeatGuard;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Whatever arrives on the heartbeat port: an authentic heartbeat or MalformedPacketException, nothing else. */
class HeartbeatFuzzTest {
    static final byte[] KEY = new byte[32];
    private final HeartbeatGuard guard = new HeartbeatGuard();

    @FuzzTest(maxDuration = "15s")
    void decodeOnlyAcceptsAuthenticHeartbeats(FuzzedDataProvider d) {
        boolean sign = d.consumeBoolean();
        long now = d.consumeLong();
        byte[] raw = d.consumeRemainingAsBytes();
        if (sign && raw.length > 32) {
            byte[] body = java.util.Arrays.copyOf(raw, raw.length - 32);
            System.arraycopy(io.netrescue.sysrq.SysrqCodec.mac(KEY, body, body.length), 0, raw, raw.length - 32, 32);
        }
        try {
            Heartbeat h = HeartbeatCodec.decode(ByteBuffer.wrap(raw), x -> Optional.of(KEY));
            assertThat(HeartbeatCodec.encode(h, KEY)).isEqualTo(raw);
            guard.check(h, now, 60_000);
        } catch (MalformedPacketException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
