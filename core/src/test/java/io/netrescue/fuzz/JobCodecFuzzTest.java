package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobSpec;
import io.netrescue.job.OutputChunk;

/**
 * Whatever a server sends the agent, or an agent the server, on the job channel: each decoder returns
 * a message that re-encodes to exactly the input (one canonical spelling), or throws
 * InvalidInputException with a message, nothing else.
 */
class JobCodecFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decodersAreStrictAndRoundTrip(FuzzedDataProvider d) {
        int which = d.consumeInt(0, 3);
        byte[] raw = d.consumeRemainingAsBytes();
        try {
            switch (which) {
                case 0 -> {
                    JobSpec s = JobCodec.decodeSpec(raw);
                    assertThat(JobCodec.encode(s)).isEqualTo(raw);
                }
                case 1 -> {
                    OutputChunk c = JobCodec.decodeChunk(raw);
                    assertThat(JobCodec.encode(c)).isEqualTo(raw);
                }
                case 2 -> assertThat(JobCodec.encode(JobCodec.decodeAck(raw))).isEqualTo(raw);
                default -> assertThat(JobCodec.encode(JobCodec.decodeDone(raw))).isEqualTo(raw);
            }
        } catch (InvalidInputException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
