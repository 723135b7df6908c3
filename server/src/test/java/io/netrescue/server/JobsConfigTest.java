package io.netrescue.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [jobs]} in the TOML file: the output kept per job, with its default and its limits named when wrong. */
class JobsConfigTest {
    @TempDir Path dir;

    @Test
    void theOutputLimitDefaultsTo16MiBAndIsReadAndChecked() throws Exception {
        assertThat(ServerConfig.defaults().jobs().maxOutputMb()).isEqualTo(16);
        Path f = Files.writeString(dir.resolve("n.toml"), "[jobs]\nmax-output-mb = 64\n");
        assertThat(ServerConfig.load(f).jobs().maxOutputMb()).isEqualTo(64);
        Path bad = Files.writeString(dir.resolve("bad.toml"), "[jobs]\nmax-output-mb = 0\n");
        assertThatThrownBy(() -> ServerConfig.load(bad).validate()).isInstanceOf(InvalidInputException.class).hasMessageContaining("jobs.max-output-mb");
    }
}
