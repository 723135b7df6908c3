package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProfileAndTemplateTest {

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "/etc/passwd", "a/../b", "a//b", "a b", "./x", "ftp://x/y", "http://x/$(reboot)"})
    void assetPathsCannotEscapeTheAssetsDirectory(String kernel) {
        assertThatThrownBy(() -> new Profile("p", kernel, List.of(), "")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void acceptsAssetPathsAndHttpUrls() {
        new Profile("p", "debian/12/linux", List.of("debian/12/initrd.gz", "https://mirror.example/x/initrd.img"), "");
    }

    @Test
    void commandLineRefusesNewlinesAndUnknownVariables() {
        assertThatThrownBy(() -> new Profile("p", "k", List.of(), "quiet\nchain http://evil")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> new Profile("p", "k", List.of(), "x={hostname}")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown command line variable {hostname}");
    }

    @Test
    void templateFillsOurVariablesAndLeavesIpxeSettingsAlone() {
        String out = CmdlineTemplate.render("console=ttyS0 host={host} t={token} ip=${ip} s={server}/x",
                Map.of("host", "web1", "token", "abc", "server", "http://10.0.0.1:8080"));
        assertThat(out).isEqualTo("console=ttyS0 host=web1 t=abc ip=${ip} s=http://10.0.0.1:8080/x");
    }

    @Test
    void durationsAsPeopleTypeThem() {
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
        for (String bad : List.of("", "2", "h", "2x", "-1h", "0s", "1h 2m")) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(InvalidInputException.class);
        }
    }
}
