package io.netrescue.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.server.JobService;

/**
 * A job request ({@code POST /api/v1/hosts/NAME/jobs}) is operator input that reaches a root shell in
 * the rescue system: any body gives a checked submission or a clear refusal (400), never another
 * exception, and what passes holds only what the job contract allows.
 */
class JobRequestFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void anyBodyGivesASubmissionOrARefusal(FuzzedDataProvider d) {
        String body = d.consumeBoolean() ? d.consumeRemainingAsString() : shaped(d);
        try {
            JobService.Submission s = JobApi.submission(ApiHandler.parseBody(body, JobApi.JobRequestJson.class));
            assertThat(s.script()).isNotEmpty();
            assertThat(s.env()).allSatisfy(e -> {
                assertThat(e.name()).matches("[A-Z_][A-Z0-9_]{0,63}");
                assertThat(e.value().chars().allMatch(c -> c >= 0x20 && c < 0x7f)).isTrue();
            });
            s.builtin().ifPresent(b -> assertThat(io.netrescue.job.server.Builtins.require(b).name()).isEqualTo(b));
        } catch (InvalidInputException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    /** A body shaped like a request, so the fuzzer spends its time past the JSON syntax. */
    private static String shaped(FuzzedDataProvider d) {
        String[] builtins = {"disks", "fsck", "mount-root", "chroot", "reinstall", d.consumeString(12)};
        String[] args = {"image", "sha256", "disk", "format", "device", "command", "unmount", d.consumeString(8)};
        StringBuilder b = new StringBuilder("{");
        if (d.consumeBoolean()) b.append("\"builtin\":").append(Json.MAPPER.writeValueAsString(d.pickValue(builtins))).append(',');
        if (d.consumeBoolean()) b.append("\"script\":").append(Json.MAPPER.writeValueAsString(d.consumeString(200))).append(',');
        if (d.consumeBoolean()) b.append("\"timeout\":").append(Json.MAPPER.writeValueAsString(d.consumeString(10))).append(',');
        if (d.consumeBoolean()) b.append("\"endRescue\":").append(d.consumeBoolean()).append(',');
        b.append("\"args\":{");
        int n = d.consumeInt(0, 4);
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append(Json.MAPPER.writeValueAsString(d.pickValue(args))).append(':').append(Json.MAPPER.writeValueAsString(d.consumeString(120)));
        }
        b.append("},\"env\":{");
        if (d.consumeBoolean()) b.append(Json.MAPPER.writeValueAsString(d.consumeString(20))).append(':').append(Json.MAPPER.writeValueAsString(d.consumeString(40)));
        return b.append("}}").toString();
    }
}
