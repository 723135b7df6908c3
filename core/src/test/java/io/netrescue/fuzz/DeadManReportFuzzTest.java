package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.watchdog.DeadManReport;
import io.netrescue.watchdog.DeadManReportCodec;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Whatever arrives as a dead-man report (server) or ack (agent): authentic and re-encodable, or MalformedPacketException. */
class DeadManReportFuzzTest {
    static final byte[] KEY = new byte[32];

    @FuzzTest(maxDuration = "15s")
    void decodeOnlyAcceptsAuthenticReportsAndAcks(FuzzedDataProvider d) {
        boolean sign = d.consumeBoolean(), ack = d.consumeBoolean();
        byte[] raw = d.consumeRemainingAsBytes();
        if (sign && raw.length > 32) {
            byte[] body = java.util.Arrays.copyOf(raw, raw.length - 32);
            System.arraycopy(io.netrescue.sysrq.SysrqCodec.mac(KEY, body, body.length), 0, raw, raw.length - 32, 32);
        }
        try {
            if (ack) {
                DeadManReport.Ack a = DeadManReportCodec.decodeAck(ByteBuffer.wrap(raw), x -> Optional.of(KEY));
                assertThat(DeadManReportCodec.encode(a, KEY)).isEqualTo(raw);
            } else {
                DeadManReport r = DeadManReportCodec.decodeReport(ByteBuffer.wrap(raw), x -> Optional.of(KEY));
                assertThat(DeadManReportCodec.encode(r, KEY)).isEqualTo(raw);
            }
        } catch (MalformedPacketException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
