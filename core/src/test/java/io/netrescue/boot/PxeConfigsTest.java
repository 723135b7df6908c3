package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.MacAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Golden PXELINUX and GRUB files, and the lookups that lead to them. */
class PxeConfigsTest {

    @Test
    void pxelinuxNetbootFallsBackToTheLocalDisk() {
        assertThat(PxelinuxConfigs.netboot("web1", "rescue", "rescue/vmlinuz", List.of("rescue/initrd.gz", "extra.img"),
                "console=ttyS0 token=ab")).isEqualTo("""
                # netrescue: web1 boots profile rescue
                SAY netrescue: web1 boots profile rescue
                DEFAULT netrescue
                PROMPT 0
                TIMEOUT 1
                ONTIMEOUT local
                LABEL netrescue
                  KERNEL rescue/vmlinuz
                  INITRD rescue/initrd.gz,extra.img
                  APPEND console=ttyS0 token=ab
                LABEL local
                  LOCALBOOT 0
                """);
    }

    @Test
    void pxelinuxLocal() {
        assertThat(PxelinuxConfigs.local("web1", "mode local\nLABEL evil")).isEqualTo("""
                # netrescue: web1 boots its local disk
                SAY netrescue: web1 boots its local disk: mode local?LABEL evil
                DEFAULT local
                PROMPT 0
                TIMEOUT 1
                LABEL local
                  LOCALBOOT 0
                """);
    }

    @Test
    void grubNetbootQuotesEveryArgumentAndEndsInExit() {
        assertThat(GrubConfigs.netboot("web1", "rescue", "rescue/vmlinuz", List.of("http://10.0.0.1:8080/assets/i.gz"),
                "console=ttyS0 x=$(reboot) it's")).isEqualTo("""
                # netrescue: web1 boots profile rescue
                echo 'netrescue: web1 boots profile rescue'
                linux '/rescue/vmlinuz' 'console=ttyS0' 'x=$(reboot)' 'it'\\''s'
                initrd '(http,10.0.0.1:8080)/assets/i.gz'
                boot
                echo 'netrescue: booting profile rescue failed, booting the local disk'
                exit
                """);
    }

    @Test
    void grubLocal() {
        assertThat(GrubConfigs.local("web1", "it's ${evil}")).isEqualTo("""
                # netrescue: web1 boots its local disk
                echo 'netrescue: web1 boots its local disk: it?s ??evil?'
                exit
                """);
    }

    @Test
    void onlyIpxeFetchesHttps() {
        assertThat(BootFormat.IPXE.canLoad("https://x/k")).isTrue();
        assertThat(BootFormat.PXELINUX.canLoad("https://x/k")).isFalse();
        assertThat(BootFormat.GRUB.canLoad("http://x/k")).isTrue();
        assertThat(BootFormat.GRUB.canLoad("k/vmlinuz")).isTrue();
    }

    @Test
    void lookupsInPxelinuxOrder() {
        MacAddress mac = MacAddress.parse("52:54:00:12:34:56");
        assertThat(PxeConfigPath.parse("pxelinux.cfg/01-52-54-00-12-34-56")).contains(new PxeConfigPath.ByMac(mac, BootFormat.PXELINUX));
        assertThat(PxeConfigPath.parse("boot/bios/pxelinux.cfg/01-52-54-00-12-34-56")).contains(new PxeConfigPath.ByMac(mac, BootFormat.PXELINUX));
        assertThat(PxeConfigPath.parse("pxelinux.cfg/01-52-54-00-12-34-5G")).contains(new PxeConfigPath.Skipped(BootFormat.PXELINUX, "unrecognised lookup"));
        assertThat(PxeConfigPath.parse("pxelinux.cfg/4e0b5b8c-6a2f-1e4d-9a61-0123456789ab")).contains(new PxeConfigPath.Skipped(BootFormat.PXELINUX, "uuid lookup"));
        assertThat(PxeConfigPath.parse("pxelinux.cfg/0A4D006F")).contains(new PxeConfigPath.Skipped(BootFormat.PXELINUX, "ip lookup"));
        assertThat(PxeConfigPath.parse("pxelinux.cfg/0A4")).contains(new PxeConfigPath.Skipped(BootFormat.PXELINUX, "ip lookup"));
        assertThat(PxeConfigPath.parse("pxelinux.cfg/default")).contains(new PxeConfigPath.Skipped(BootFormat.PXELINUX, "default lookup"));
        assertThat(PxeConfigPath.parse("pxelinux.0")).isEmpty();
        assertThat(PxeConfigPath.parse("vmlinuz")).isEmpty();
        assertThat(PxeConfigPath.parse("x".repeat(600))).isEmpty();
    }

    @Test
    void lookupsInGrubOrder() {
        MacAddress mac = MacAddress.parse("52:54:00:12:34:56");
        assertThat(PxeConfigPath.parse("grub/grub.cfg-01-52-54-00-12-34-56")).contains(new PxeConfigPath.ByMac(mac, BootFormat.GRUB));
        assertThat(PxeConfigPath.parse("grub.cfg-0A4D006F")).contains(new PxeConfigPath.Skipped(BootFormat.GRUB, "ip lookup"));
        assertThat(PxeConfigPath.parse("grub/grub.cfg")).isEmpty();
        assertThat(PxeConfigPath.parse(null)).isEqualTo(Optional.empty());
    }
}
