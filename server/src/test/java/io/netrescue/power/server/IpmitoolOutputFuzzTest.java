package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * ipmitool's output partly comes from the BMC over the network: any exit code and text give an outcome,
 * never an exception, and a failure's reason is one short printable line.
 */
class IpmitoolOutputFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void anyOutputGivesAnOutcome(FuzzedDataProvider d) {
        boolean status = d.consumeBoolean();
        int exit = d.consumeInt(-1, 300);
        String stdout = d.consumeString(4096);
        String stderr = d.consumeRemainingAsString();
        IpmitoolOutput.Outcome o = IpmitoolOutput.read(status, exit, stdout, stderr);
        assertThat(o).isNotNull();
        switch (o) {
            case IpmitoolOutput.Failed f -> {
                assertThat(f.reason().length()).isLessThanOrEqualTo(260);
                assertThat(f.reason().chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
            }
            case IpmitoolOutput.Power p -> assertThat(status && exit == 0).isTrue();
            case IpmitoolOutput.Accepted a -> assertThat(!status && exit == 0 && a.control().length() <= 67).isTrue();
        }
    }
}
