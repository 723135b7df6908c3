package io.netrescue.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetconsoleCodecTest {
    static List<NetconsoleCodec.Line> decode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return NetconsoleCodec.decode(b, b.length);
    }

    @Test
    void classicDatagramsAreSplitIntoLines() {
        assertThat(decode("[   12.345678] Kernel panic - not syncing: sysrq triggered crash\n[   12.345999] CPU: 0 PID: 1\n"))
                .extracting(NetconsoleCodec.Line::text)
                .containsExactly("[   12.345678] Kernel panic - not syncing: sysrq triggered crash", "[   12.345999] CPU: 0 PID: 1");
    }

    @Test
    void extendedRecordsKeepLevelSequenceAndTime() {
        var l = decode("0,467,12345678,-;Kernel panic - not syncing: Fatal exception\n SUBSYSTEM=cpu\n").getFirst();
        assertThat(l).isEqualTo(new NetconsoleCodec.Line("Kernel panic - not syncing: Fatal exception", 0, 467, 12345678));
        assertThat(decode("6,12,99,c,ncfrag=0/2000;part one").getFirst().text()).isEqualTo("part one [fragment]");
    }

    @Test
    void controlCharactersCannotReachATerminalAndLengthIsBounded() {
        assertThat(decode("\u001b[2Jevil\u0007 line\r\n").getFirst().text()).isEqualTo("?[2Jevil? line");
        assertThat(decode("x".repeat(5000)).getFirst().text()).hasSize(1024);
        assertThat(NetconsoleCodec.decode(new byte[10], -5)).isEmpty();
        assertThat(NetconsoleCodec.decode(new byte[] {(byte) 0xff, (byte) 0xfe, 'a'}, 3).getFirst().text()).endsWith("a");
    }

    @Test
    void crashSignatures() {
        assertThat(CrashSignature.match("[ 1.2] Kernel panic - not syncing: VFS: Unable to mount root fs")).contains(CrashSignature.Kind.PANIC);
        assertThat(CrashSignature.match("Oops: 0002 [#1] PREEMPT SMP NOPTI")).contains(CrashSignature.Kind.OOPS);
        assertThat(CrashSignature.match("BUG: unable to handle page fault for address: 0000000000000000")).contains(CrashSignature.Kind.OOPS);
        assertThat(CrashSignature.match("watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:1:35]")).contains(CrashSignature.Kind.LOCKUP);
        assertThat(CrashSignature.match("INFO: task jbd2/sda1-8:123 blocked for more than 120 seconds.")).contains(CrashSignature.Kind.HUNG_TASK);
        assertThat(CrashSignature.match("rcu: INFO: rcu_preempt self-detected stall on CPU")).contains(CrashSignature.Kind.RCU_STALL);
        assertThat(CrashSignature.match("Out of memory: Killed process 1234 (java)")).contains(CrashSignature.Kind.OOM);
        assertThat(CrashSignature.match("e1000e: eth0 NIC Link is Up 1000 Mbps")).isEmpty();
    }
}
