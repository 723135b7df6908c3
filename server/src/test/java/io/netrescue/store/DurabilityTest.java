package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged change survives the server being killed with SIGKILL right after the
 * acknowledgement (no shutdown hook, no chance to flush): the ack came after the commit's fsync.
 * CrashHarnessTest kills it at random moments under concurrent writers; PowerLossQemuTest cuts the power.
 */
class DurabilityTest {
    @TempDir Path dir;

    @Test
    void acknowledgedChangesSurviveSigkill() throws Exception {
        Path data = dir.resolve("data");
        ServerProcess p = ServerProcess.start(dir, data);
        try {
            for (int i = 0; i < 20; i++) {
                var r = p.call("POST", "hosts", "{\"name\":\"h" + i + "\",\"macs\":[\"02:00:00:00:00:" + String.format("%02x", i) + "\"]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            }
            assertThat(p.call("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"k\"}").statusCode()).isEqualTo(201);
            assertThat(p.call("PUT", "hosts/h19/boot", "{\"mode\":\"rescue\"}").statusCode()).isEqualTo(200);
        } finally {
            p.kill(); // SIGKILL, immediately after the last acknowledgement
        }
        try (ServerProcess q = ServerProcess.start(dir, data)) {
            String hosts = q.call("GET", "hosts", null).body();
            for (int i = 0; i < 20; i++) assertThat(hosts).contains("\"name\":\"h" + i + "\"");
            assertThat(q.call("GET", "hosts/h19/boot", null).body()).contains("\"mode\":\"rescue\"");
            assertThat(q.call("GET", "events?host=h19", null).body()).contains("boot.mode");
        }
    }
}
