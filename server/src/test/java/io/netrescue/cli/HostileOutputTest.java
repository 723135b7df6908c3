package io.netrescue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.api.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What a host sends reaches the operator's terminal through `job logs` and `host show`: escape
 * sequences, carriage returns, C1 controls and bidirectional overrides must not drive it (found by an
 * attack on the job features), and a huge disk report must not flood it.
 */
class HostileOutputTest {
    @Test
    void jobOutputToATerminalShowsControlsInsteadOfObeyingThem() {
        byte[] hostile = "ok\u001b]0;pwned\u0007 \u001b[2J\rdone\t\u00e9\u009b31m\u202eevil\n".getBytes(StandardCharsets.UTF_8);
        String shown = new String(JobCommand.Logs.visible(hostile), StandardCharsets.UTF_8);
        assertThat(shown).isEqualTo("ok\\x1b]0;pwned\\x07 \\x1b[2J\\x0ddone\t\u00e9\\xc2\\x9b31m\\xe2\\x80\\xaeevil\n");
        assertThat(shown.chars().filter(c -> c < 0x20 && c != '\n' && c != '\t').count()).isZero();
    }

    @Test
    void aDiskReportIsPrintedSafelyAndBounded() {
        StringBuilder disks = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            if (i > 0) disks.append(',');
            disks.append("{\"path\":\"/dev/sd").append(i).append("\",\"model\":\"M\\u001b[31m\\u009b\\u202eX\",\"size_bytes\":1}");
        }
        StringWriter w = new StringWriter();
        DiskReport.print(new PrintWriter(w), Json.MAPPER.readTree("{\"disks\":[" + disks + "]}"));
        String out = w.toString();
        assertThat(out).doesNotContain("\u001b").doesNotContain("\u009b").doesNotContain("\u202e").contains("M?[31m??X");
        assertThat(out.lines().count()).isEqualTo(DiskReport.MAX_SHOWN + 1);
        assertThat(out).contains("... 36 more disks");
    }
}
