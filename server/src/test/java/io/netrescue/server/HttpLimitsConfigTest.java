package io.netrescue.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.http.ConnectionLimits;
import io.netrescue.inventory.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [http]}'s connection limits in the TOML file: defaults, the total from the descriptor limit, and wrong values named. */
class HttpLimitsConfigTest {
    @TempDir Path dir;

    @Test
    void defaultsLeaveAQuarterOfTheDescriptorsToTheRestOfTheServer() {
        ConnectionLimits l = ServerConfig.defaults().connectionLimits(20_000);
        assertThat(l).isEqualTo(new ConnectionLimits(256, 15_000, Duration.ofSeconds(10)));
        assertThat(ServerConfig.defaults().connectionLimits(1024).total()).isEqualTo(768);
    }

    @Test
    void theFileSetsThemAndWrongValuesAreNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("n.toml"), "[http]\nmax-connections-per-source = 1000\nmax-connections = 4000\nheader-timeout = \"3s\"\n");
        assertThat(ServerConfig.load(f).validate().connectionLimits(20_000)).isEqualTo(new ConnectionLimits(1000, 4000, Duration.ofSeconds(3)));
        for (String bad : new String[] {"max-connections-per-source = 0", "max-connections = -1", "header-timeout = \"10\"", "header-timeout = \"50ms\""}) {
            Path b = Files.writeString(dir.resolve("bad.toml"), "[http]\n" + bad + "\n");
            assertThatThrownBy(() -> ServerConfig.load(b).validate()).as(bad).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("http." + bad.substring(0, bad.indexOf(' ')));
        }
    }
}
