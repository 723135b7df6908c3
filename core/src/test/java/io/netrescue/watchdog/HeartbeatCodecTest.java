package io.netrescue.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.sysrq.HostKeys;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.SysrqMessage;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
    static final byte[] MASTER = new byte[32];
    static final byte[] KEY = HostKeys.derive(MASTER, "web1");
    static final UUID BOOT = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    static final Heartbeat HB = new Heartbeat("web1", BOOT, 7, 1_700_000_000_123L, 86_400_000L, 1250, "6.1.0-26-amd64");

    static SysrqCodec.Keys keys() {
        return h -> h.equals("web1") ? Optional.of(KEY) : Optional.empty();
    }

    @Test
    void roundTripsAndHasTheDocumentedLayout() throws Exception {
        byte[] b = HeartbeatCodec.encode(HB, KEY);
        assertThat(HeartbeatCodec.decode(ByteBuffer.wrap(b), keys())).isEqualTo(HB);
        String hex = HexFormat.of().formatHex(b);
        assertThat(hex).startsWith("4e524842" + "01" + "00" + "04" + "77656231" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
                + "0000000000000007" + "0000018bcfe5687b" + "0000000005265c00" + "000004e2" + "0e" + "362e312e302d32362d616d643634");
        assertThat(b).hasSize(4 + 2 + 5 + 16 + 28 + 15 + 32);
    }

    /** Issue 15, item 2: a host reports its xt_SYSRQ module's version in flag bit 0 and a field after the kernel. */
    @Test
    void carriesTheXtSysrqVersionBehindFlagBitZero() throws Exception {
        Heartbeat xt = new Heartbeat("web1", BOOT, 7, 1_700_000_000_123L, 86_400_000L, 1250, "6.1.0-26-amd64", "3.23-1");
        byte[] b = HeartbeatCodec.encode(xt, KEY);
        assertThat(HeartbeatCodec.decode(ByteBuffer.wrap(b), keys())).isEqualTo(xt);
        assertThat(b[5]).isEqualTo((byte) 1);
        String hex = HexFormat.of().formatHex(b);
        assertThat(hex).contains("362e312e302d32362d616d643634" + "06" + "332e32332d31");
        assertThat(b).hasSize(HeartbeatCodec.encode(HB, KEY).length + 7);
        // without a module the old layout (flags 0) goes out, and it decodes with no version
        assertThat(HeartbeatCodec.encode(HB, KEY)[5]).isZero();
        assertThat(HeartbeatCodec.decode(ByteBuffer.wrap(HeartbeatCodec.encode(HB, KEY)), keys()).xtSysrq()).isEmpty();
        // the largest heartbeat fits the datagram limit
        Heartbeat big = new Heartbeat("h".repeat(63), BOOT, 1, 0, 0, 0, "k".repeat(64), "9".repeat(32));
        assertThat(HeartbeatCodec.encode(big, KEY).length).isLessThanOrEqualTo(HeartbeatCodec.MAX_DATAGRAM);
        assertThatThrownBy(() -> new Heartbeat("web1", BOOT, 1, 0, 0, 0, "", "3.26 x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Heartbeat("web1", BOOT, 1, 0, 0, 0, "", "9".repeat(33))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFlagBitOtherThanXtOrAnEmptyVersionIsRefused() {
        byte[] b = HeartbeatCodec.encode(HB, KEY);
        b[5] = 2;
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(b), keys())).hasMessageContaining("unknown flags 2");
        byte[] noField = HeartbeatCodec.encode(HB, KEY);
        noField[5] = 1; // says a version follows the kernel, but the MAC does: no valid datagram
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(noField), keys())).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void refusesForgeriesAndOtherHostsKeys() {
        byte[] b = HeartbeatCodec.encode(HB, HostKeys.derive(MASTER, "web2"));
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(b), keys())).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("authentication failed");
        byte[] ok = HeartbeatCodec.encode(HB, KEY);
        ok[40] ^= 1;
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(ok), keys())).hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(HeartbeatCodec.encode(
                new Heartbeat("stranger", BOOT, 1, 0, 0, 0, ""), KEY)), keys())).hasMessageContaining("no key for host stranger");
    }

    @Test
    void aSysrqMessageIsNotAHeartbeatNorTheOtherWayRound() throws Exception {
        byte[] sysrq = SysrqCodec.encode(new SysrqMessage.Request("web1", 1, 2, 3, 0, new SysrqKeys("s")), KEY);
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(sysrq), keys()))
                .isInstanceOfSatisfying(MalformedPacketException.class, e -> assertThat(e.reason()).isEqualTo(MalformedPacketException.Reason.BAD_MAGIC));
        assertThatThrownBy(() -> SysrqCodec.decode(ByteBuffer.wrap(HeartbeatCodec.encode(HB, KEY)), keys()))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void malformedInputHasAReason() {
        byte[] b = HeartbeatCodec.encode(HB, KEY);
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(b, 0, 40), keys())).hasMessageContaining("datagram of 40 bytes");
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.allocate(300), keys())).hasMessageContaining("datagram of 300 bytes");
        byte[] v = b.clone();
        v[4] = 2;
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(v), keys())).hasMessage("version 2");
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 1);
        assertThatThrownBy(() -> HeartbeatCodec.decode(ByteBuffer.wrap(longer), keys())).hasMessageContaining("1 bytes after the fields");
    }

    @Test
    void guardCountsEachHeartbeatOnceAndOnlyWhenFresh() {
        HeartbeatGuard g = new HeartbeatGuard();
        long now = HB.sentMillis();
        assertThat(g.check(HB, now, 60_000)).isEqualTo(HeartbeatGuard.Verdict.FRESH);
        assertThat(g.check(HB, now + 1000, 60_000)).isEqualTo(HeartbeatGuard.Verdict.REPLAYED);
        Heartbeat next = new Heartbeat("web1", BOOT, 8, now + 5000, 86_405_000L, 1000, HB.kernel());
        assertThat(g.check(next, now + 5000, 60_000)).isEqualTo(HeartbeatGuard.Verdict.FRESH);
        // recorded and replayed after the window: stale, whatever its sequence number
        Heartbeat later = new Heartbeat("web1", BOOT, 99, now + 5000, 1, 0, "");
        assertThat(g.check(later, now + 70_000, 60_000)).isEqualTo(HeartbeatGuard.Verdict.STALE);
        UUID reboot = UUID.randomUUID();
        assertThat(g.check(new Heartbeat("web1", reboot, 1, now + 80_000, 2000, 0, "6.12.0"), now + 80_000, 60_000))
                .isEqualTo(HeartbeatGuard.Verdict.NEW_BOOT);
        // the old boot's heartbeats (captured shortly before it ended) cannot switch it back
        assertThat(g.check(new Heartbeat("web1", BOOT, 100, now + 79_000, 1, 0, ""), now + 80_000, 60_000))
                .isEqualTo(HeartbeatGuard.Verdict.REPLAYED);
        assertThat(g.bootId()).isEqualTo(reboot);
    }
}
