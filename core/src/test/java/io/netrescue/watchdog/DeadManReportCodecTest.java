package io.netrescue.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.sysrq.HostKeys;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.SysrqCodec;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DeadManReportCodecTest {
    static final byte[] KEY = HostKeys.derive(new byte[32], "web1");
    static final UUID BOOT = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    static final DeadManReport R = new DeadManReport("web1", BOOT, List.of(new DeadManReport.Step(3, 1_700_000_000_123L, "reboot", "sync and reboot"),
            new DeadManReport.Step(4, 1_700_000_000_124L, "recovered", "")));

    static SysrqCodec.Keys keys() {
        return h -> h.equals("web1") ? Optional.of(KEY) : Optional.empty();
    }

    @Test
    void reportsAndAcksRoundTripWithTheDocumentedLayout() throws Exception {
        byte[] b = DeadManReportCodec.encode(R, KEY);
        assertThat(DeadManReportCodec.decodeReport(ByteBuffer.wrap(b), keys())).isEqualTo(R);
        assertThat(HexFormat.of().formatHex(b)).startsWith("4e524452" + "01" + "00" + "04" + "77656231" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0" + "02"
                + "0000000000000003" + "0000018bcfe5687b" + "06" + "7265626f6f74" + "0f");
        DeadManReport.Ack a = new DeadManReport.Ack("web1", BOOT, 4);
        byte[] ack = DeadManReportCodec.encode(a, KEY);
        assertThat(DeadManReportCodec.decodeAck(ByteBuffer.wrap(ack), keys())).isEqualTo(a);
        assertThat(ack).hasSize(4 + 2 + 5 + 16 + 8 + 32);
    }

    @Test
    void neitherIsTakenForTheOtherNorForAHeartbeatAndForgeriesAreRefused() {
        byte[] ack = DeadManReportCodec.encode(new DeadManReport.Ack("web1", BOOT, 4), KEY);
        assertThatThrownBy(() -> DeadManReportCodec.decodeReport(ByteBuffer.wrap(ack), keys()))
                .isInstanceOfSatisfying(MalformedPacketException.class, e -> assertThat(e.reason()).isEqualTo(MalformedPacketException.Reason.BAD_MAGIC));
        byte[] report = DeadManReportCodec.encode(R, KEY);
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(report), keys())).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> HeartbeatAnswerCodec.decode(ByteBuffer.wrap(report), keys())).isInstanceOf(MalformedPacketException.class);
        byte[] forged = DeadManReportCodec.encode(R, HostKeys.derive(new byte[32], "web2"));
        assertThatThrownBy(() -> DeadManReportCodec.decodeReport(ByteBuffer.wrap(forged), keys())).hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> DeadManReportCodec.decodeReport(ByteBuffer.wrap(report, 0, report.length - 1), keys()))
                .isInstanceOf(MalformedPacketException.class);
        assertThat(DeadManReportCodec.clip("é\n" + "x".repeat(300))).hasSize(DeadManReport.MAX_DETAIL).startsWith("??x").endsWith("...");
    }
}
