package io.netrescue.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.sysrq.HostKeys;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.SysrqCodec;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HeartbeatAnswerCodecTest {
    static final byte[] KEY = HostKeys.derive(new byte[32], "web1");
    static final UUID BOOT = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    static final HeartbeatAnswer A = new HeartbeatAnswer("web1", BOOT, 7, 1_700_000_000_123L, HeartbeatAnswer.Maintenance.WINDOW, 1_700_000_600_000L);

    static SysrqCodec.Keys keys() {
        return h -> h.equals("web1") ? Optional.of(KEY) : Optional.empty();
    }

    @Test
    void roundTripsAndHasTheDocumentedLayout() throws Exception {
        byte[] b = HeartbeatAnswerCodec.encode(A, KEY);
        assertThat(HeartbeatAnswerCodec.decode(ByteBuffer.wrap(b), keys())).isEqualTo(A);
        assertThat(HexFormat.of().formatHex(b)).startsWith("4e524841" + "01" + "00" + "04" + "77656231" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
                + "0000000000000007" + "0000018bcfe5687b" + "01" + "0000018bcfee8fc0");
        assertThat(b).hasSize(4 + 2 + 5 + 16 + 8 + 8 + 1 + 8 + 32);
    }

    @Test
    void refusesForgeriesHeartbeatsAndUnknownValues() throws Exception {
        byte[] other = HeartbeatAnswerCodec.encode(A, HostKeys.derive(new byte[32], "web2"));
        assertThatThrownBy(() -> HeartbeatAnswerCodec.decode(ByteBuffer.wrap(other), keys())).hasMessageContaining("authentication failed");
        byte[] hb = HeartbeatCodec.encode(new Heartbeat("web1", BOOT, 7, 0, 0, 0, ""), KEY);
        assertThatThrownBy(() -> HeartbeatAnswerCodec.decode(ByteBuffer.wrap(hb), keys()))
                .isInstanceOfSatisfying(MalformedPacketException.class, e -> assertThat(e.reason()).isEqualTo(MalformedPacketException.Reason.BAD_MAGIC));
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(HeartbeatAnswerCodec.encode(A, KEY)), keys()))
                .isInstanceOf(MalformedPacketException.class);
        byte[] b = HeartbeatAnswerCodec.encode(A, KEY);
        b[4 + 2 + 5 + 16 + 16] = 3; // maintenance kind 3 does not exist (checked before the MAC)
        assertThatThrownBy(() -> HeartbeatAnswerCodec.decode(ByteBuffer.wrap(b), keys())).hasMessageContaining("unknown maintenance 3");
        byte[] c = HeartbeatAnswerCodec.encode(A, KEY);
        assertThatThrownBy(() -> HeartbeatAnswerCodec.decode(ByteBuffer.wrap(c, 0, c.length - 1), keys()))
                .isInstanceOfSatisfying(MalformedPacketException.class, e -> assertThat(e.reason()).isEqualTo(MalformedPacketException.Reason.TRUNCATED));
    }
}
