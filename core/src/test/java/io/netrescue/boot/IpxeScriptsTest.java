package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden scripts: what iPXE receives, byte for byte. */
class IpxeScriptsTest {

    @Test
    void bootstrapAsksForTheDecisionAndFallsBackToLocal() {
        assertThat(IpxeScripts.bootstrap("http://10.0.0.1:8080")).isEqualTo("""
                #!ipxe
                # netrescue: ask the server what this machine boots
                isset ${ip} || dhcp || goto failed
                chain --autofree http://10.0.0.1:8080/boot.ipxe?mac=${mac:hexhyp}&ip=${ip}&uuid=${uuid}&arch=${buildarch}&platform=${platform} || goto failed
                exit
                :failed
                echo netrescue: no decision from http://10.0.0.1:8080, booting the local disk
                exit
                """);
    }

    @Test
    void netbootFallsBackToLocalWhenAnyStepFails() {
        assertThat(IpxeScripts.netboot("web1", "rescue", "http://s/assets/k", List.of("http://s/assets/i0", "http://s/assets/i1"),
                "console=ttyS0", false)).isEqualTo("""
                #!ipxe
                echo netrescue: web1 boots profile rescue
                kernel http://s/assets/k console=ttyS0 || goto failed
                initrd --name initrd0 http://s/assets/i0 || goto failed
                initrd --name initrd1 http://s/assets/i1 || goto failed
                boot || goto failed
                :failed
                echo netrescue: booting profile rescue failed, booting the local disk
                exit
                """);
    }

    @Test
    void efiNamesTheInitrdsOnTheCommandLine() {
        assertThat(IpxeScripts.netboot("w", "p", "http://s/k", List.of("http://s/i"), "quiet", true))
                .contains("kernel http://s/k initrd=initrd0 quiet || goto failed");
    }

    @Test
    void localBootHandsBackToTheFirmware() {
        assertThat(IpxeScripts.local("web1", "mode local", BootPolicy.LocalBoot.EXIT))
                .isEqualTo("#!ipxe\necho netrescue: web1 boots its local disk: mode local\nexit\n");
        assertThat(IpxeScripts.local("web1", "x", BootPolicy.LocalBoot.SANBOOT)).endsWith("sanboot --no-describe --drive 0x80 || exit\n");
    }

    @Test
    void echoedTextCannotInjectCommandsOrExpandSettings() {
        String s = IpxeScripts.local("x", "evil\nchain http://evil/${x}", BootPolicy.LocalBoot.EXIT);
        assertThat(s.lines()).hasSize(3);
        assertThat(s).doesNotContain("${").contains("evil?chain http://evil/??x?");
    }

    /** Issue 15, finding 5: iPXE splits at a standalone ';', '&&', '||' and ends a line at a word starting with '#'. */
    @Test
    void noValueCanEndACommandOfTheScript() {
        String echoed = IpxeScripts.local("x ; shell", "a && b || c # d", BootPolicy.LocalBoot.EXIT);
        assertThat(echoed.substring(echoed.indexOf("\n"))).doesNotContain(";").doesNotContain("&&").doesNotContain("||").doesNotContain("#");
        for (String bad : List.of("console=ttyS0 ; shell", "quiet && shell", "quiet || shell", "quiet #comment", "a  ;  b")) {
            assertThatThrownBy(() -> IpxeScripts.netboot("w", "p", "http://s/k", List.of(), bad, false)).as(bad)
                    .isInstanceOf(io.netrescue.inventory.InvalidInputException.class).hasMessageContaining("iPXE");
            assertThatThrownBy(() -> IpxeScripts.checkArgs(bad)).as(bad).hasMessageContaining("iPXE");
        }
        // what Linux command lines do have stays: '=', ',', ':', quotes inside a word, a ';' inside a word
        IpxeScripts.checkArgs("console=ttyS0,115200n8 root=UUID=ab:cd ip=dhcp foo=a;b init=/bin/sh nr.x=#1");
    }

    /**
     * iPXE expands {@code ${...}} again in what an expansion produced (measured in QEMU, iPXE 1.0.0+git-20190125):
     * a string setting the machine (SMBIOS serial, asset tag) or the site's DHCP server (hostname, filename) fills
     * can name any other setting, and one that names itself ({@code serial=${serial}}) hangs iPXE on that line
     * for good: the kernel line's {@code || goto failed} never runs. Only forms whose value iPXE formats from a
     * non-string type, which cannot contain {@code ${}, may reach a script.
     */
    @Test
    void settingsWhoseValueCouldExpandAgainAreRefused() {
        for (String bad : List.of("sn=${serial}", "a=${smbios/asset}", "h=${hostname}", "o=${12}", "p=${password}",
                "f=${net0.dhcp/filename}", "s=${serial:string}", "x=${host}", "n=${${ip}}", "u=${ip", "e=${}", "m=${MAC}")) {
            assertThatThrownBy(() -> IpxeScripts.checkArgs("console=ttyS0 " + bad)).as(bad)
                    .isInstanceOf(io.netrescue.inventory.InvalidInputException.class).hasMessageContaining("${");
            assertThatThrownBy(() -> IpxeScripts.netboot("w", "p", "http://s/k", List.of(), bad, false)).as(bad)
                    .isInstanceOf(io.netrescue.inventory.InvalidInputException.class);
        }
        // typed built-ins and an explicit non-string type: iPXE prints hex, an address or a UUID, never a '${'
        IpxeScripts.checkArgs("BOOTIF=01-${mac:hexhyp} m=${net0/mac} ip=${ip}:${next-server}:${gateway}:${netmask} u=${uuid}"
                + " a=${buildarch}/${platform} sn=${serial:hex} t=${smbios/asset:base64} d=$HOME x=a$b ${net0.dhcp/ip}");
    }
}
