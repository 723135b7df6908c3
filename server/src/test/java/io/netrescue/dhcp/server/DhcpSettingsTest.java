package io.netrescue.dhcp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.dataformat.toml.TomlMapper;

class DhcpSettingsTest {
    @TempDir
    Path tmp;

    static final TomlMapper TOML = TomlMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    static DhcpSettings proxy(String server, String url) {
        return new DhcpSettings("proxy", null, server, null, url, null, null, null, null, null, null, null, null);
    }

    @Test
    void defaultsAreOffAndValid() {
        DhcpSettings d = DhcpSettings.defaults().validate();
        assertThat(d.modeValue()).isEqualTo(DhcpSettings.Mode.OFF);
        assertThat(d.port()).isEqualTo(67);
        assertThat(d.pxePort()).isEqualTo(4011);
        assertThat(d.ipxe().dir()).isEqualTo("/usr/lib/ipxe");
        assertThat(d.ipxe().bios()).isEqualTo("undionly.kpxe");
        // the firmware's own network driver: faster and for every NIC the firmware can PXE boot (docs/protocols/dhcp.md)
        assertThat(d.ipxe().efiX64()).isEqualTo("snponly.efi");
    }

    @Test
    void readsKebabCaseToml() {
        DhcpSettings s = TOML.readValue("""
                mode = "full"
                interface = "lo"
                server-address = "10.9.0.1"
                http-url = "http://10.9.0.1:8080"
                known-only = true
                [ipxe]
                efi-x64 = "ipxe.efi"
                [pool]
                subnet = "10.9.0.0/24"
                range-start = "10.9.0.100"
                range-end = "10.9.0.200"
                dns = ["10.9.0.53"]
                lease-time = "2h"
                """, DhcpSettings.class).validate();
        assertThat(s.iface()).isEqualTo("lo");
        assertThat(s.knownOnly()).isTrue();
        assertThat(s.bootConfig().efiX64()).isEqualTo("ipxe.efi");
        assertThat(s.bootConfig().bootstrapUrl()).isEqualTo("http://10.9.0.1:8080/ipxe");
        assertThat(s.bootConfig().binariesUrl()).isEqualTo("http://10.9.0.1:8080/ipxe-bin");
        assertThat(s.fullConfig(null, java.util.Optional.empty()).leaseTime()).hasHours(2);
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new DhcpSettings("dhcp", null, null, null, null, null, null, null, null, null, null, null, null).validate())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("dhcp.mode");
        assertThatThrownBy(() -> proxy(null, "http://x:8080").validate()).hasMessageContaining("dhcp.server-address");
        assertThatThrownBy(() -> proxy("10.0.0.1", "").validate()).hasMessageContaining("dhcp.http-url");
        assertThatThrownBy(() -> proxy("fe80::1", "http://x").validate()).hasMessageContaining("dhcp.server-address");
        assertThatThrownBy(() -> new DhcpSettings("proxy", "nosuchif0", "10.0.0.1", null, "http://x", null, null, null, null, null, null, null, null)
                .validate()).hasMessageContaining("dhcp.interface 'nosuchif0'");
        assertThatThrownBy(() -> new DhcpSettings("off", null, null, null, null, null, 70000, null, null, null, null, null, null).validate())
                .hasMessageContaining("dhcp.port");
        assertThatThrownBy(() -> new DhcpSettings("full", null, "10.0.0.1", null, "http://x", null, null, null, null, null, null, null, null).validate())
                .hasMessageContaining("dhcp.pool.subnet");
        assertThatThrownBy(() -> new DhcpSettings("full", null, "10.0.0.1", null, "http://x", null, null, null, null, null, null, null,
                new DhcpSettings.Pool("10.1.0.1", "10.1.0.9", "10.0.0.0/24", null, List.of(), null, null, null)).validate())
                .hasMessageContaining("dhcp.pool").hasMessageContaining("not inside the subnet");
        assertThatThrownBy(() -> new DhcpSettings("proxy", null, "10.0.0.1", null, "http://x", null, null, null, null, null, null,
                new DhcpSettings.Ipxe(null, "../etc/passwd", null, null, null), null).validate()).hasMessageContaining("dhcp.ipxe.bios");
        assertThatThrownBy(() -> TOML.readValue("mode = \"proxy\"\nfoo = 1\n", DhcpSettings.class)).hasMessageContaining("foo");
    }

    @Test
    void startUpCheckNamesEachMissingBinary() throws Exception {
        Files.writeString(tmp.resolve("undionly.kpxe"), "x");
        DhcpSettings s = new DhcpSettings("proxy", null, "10.0.0.1", null, "http://x", null, null, null, null, null, null,
                new DhcpSettings.Ipxe(tmp.toString(), null, null, "arm64.efi", null), null);
        assertThatThrownBy(s::checkIpxeBinaries).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("snponly.efi (dhcp.ipxe.efi-x64)").hasMessageContaining("arm64.efi (dhcp.ipxe.efi-arm64)")
                .hasMessageContaining(tmp.toString()).hasMessageNotContaining("undionly");
        Files.writeString(tmp.resolve("snponly.efi"), "x");
        Files.writeString(tmp.resolve("arm64.efi"), "x");
        s.checkIpxeBinaries();
    }

    @Test
    void debiansIpxePackageHasTheDefaults() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/lib/ipxe")), "Debian's ipxe package is not installed");
        DhcpSettings.defaults().checkIpxeBinaries();
    }
}
