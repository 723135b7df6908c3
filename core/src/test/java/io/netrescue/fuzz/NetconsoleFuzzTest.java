package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.console.CrashSignature;
import io.netrescue.console.NetconsoleCodec;

/** Netconsole datagrams are unauthenticated network input: any bytes give clean, bounded lines. */
class NetconsoleFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void anyDatagramGivesCleanBoundedLines(FuzzedDataProvider d) {
        byte[] b = d.consumeRemainingAsBytes();
        for (NetconsoleCodec.Line l : NetconsoleCodec.decode(b, b.length)) {
            assertThat(l.text().length()).isLessThanOrEqualTo(1024 + " [fragment]".length());
            assertThat(l.text().chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
            CrashSignature.match(l.text());
        }
    }
}
