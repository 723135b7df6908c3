package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import io.netrescue.rescue.server.RescueImages;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/**
 * What every PXE lab test shares: the requirement check (skips with the reason), the rescue image,
 * the lab each test creates and its checked clean-up, and the audit assertion.
 */
abstract class PxeLabTests {
    static RescueImage image;
    PxeLab lab;

    /** Skips unless the lab's tools, the rescue image's inputs and {@code extra} are there; builds the image. */
    static void requireLab(Optional<String> extra) throws Exception {
        Optional<String> missing = PxeLab.missingRequirement().or(RescueImage::missingRequirement).or(() -> extra);
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
        image = RescueImage.build();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) return;
        lab.close();
        assertThat(lab.remainingNamespaces()).as("namespaces left behind by " + lab).isEmpty();
        assertThat(lab.survivors()).as("processes left running by " + lab).isEmpty();
    }

    /**
     * netrescue's configuration for a lab: HTTP on the server address, audit synchronous (the tests read
     * the timeline right after a boot), and the ProxyDHCP and TFTP services when asked for.
     */
    static String config(PxeLab lab, boolean proxyDhcp, boolean tftp) {
        String server = lab.serverAddress();
        StringBuilder c = new StringBuilder("""
                [http]
                listen = "%1$s:%2$d"
                public-url = "http://%1$s:%2$d"

                [boot]
                audit = "sync"
                """.formatted(server, NetrescueProcess.HTTP_PORT));
        if (proxyDhcp) {
            c.append("""

                    [dhcp]
                    mode = "proxy"
                    interface = "%s"
                    server-address = "%s"
                    """.formatted(PxeLab.SERVER_IF, server));
        }
        if (tftp) c.append("\n[tftp]\nlisten = \"" + server + ":69\"\n");
        return c.toString();
    }

    static final String BMC_PASSWORD = "lab-bmc-secret";

    /** A lab for the rescue system: netrescue with the real image published, a BMC (ipmi_sim) driving the VM, the host with its IPMI power. */
    record RescueSite(NetrescueProcess nr, String ip, Path monitor, Path powerLog, RescueImages.Image image) {}

    /**
     * Creates {@link #lab} ({@code label}), the site's DHCP giving {@code mac} the address ending in {@code ipSuffix},
     * netrescue with ProxyDHCP and {@code extraToml}, the published rescue image, the BMC, and host {@code vm1}.
     */
    RescueSite rescueSite(String label, String mac, String uuid, String ipSuffix, String extraToml) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        String ip = lab.subnetPrefix() + ipSuffix;
        lab.startSiteDhcp(List.of("--dhcp-host=" + mac + "," + ip));
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, true, false) + extraToml.formatted(lab.serverAddress()));
        RescueImages.Image published = RescueBuild.publish(nr.assets());
        Path monitor = lab.dir().resolve("vm1.monitor");
        Path powerLog = lab.dir().resolve("ipmi-power.log");
        LabBmc.start(lab, monitor, powerLog, BMC_PASSWORD);
        nr.cli("host", "add", "vm1", "--mac", mac, "--uuid", uuid, "--ip", ip);
        Path pw = Files.writeString(lab.dir().resolve("bmc.pw"), BMC_PASSWORD + "\n");
        nr.cli("host", "power", "vm1", "--set", "ipmi", "address=127.0.0.1", "port=16230", "user=admin", "--secret-file", pw.toString(),
                "--timeout", "15s");
        return new RescueSite(nr, ip, monitor, powerLog, published);
    }

    /** Host vm1's timeline, oldest first. */
    static List<Json.EventJson> events(NetrescueProcess nr) throws Exception {
        return new ArrayList<>(Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm1", "--json", "-n", "500"), Json.EventJson[].class)));
    }

    static String timeline(NetrescueProcess nr) {
        try {
            return nr.cli("events", "vm1", "-n", "500");
        } catch (Exception e) {
            return "(no timeline: " + e + ")";
        }
    }

    static List<String> kinds(NetrescueProcess nr) throws Exception {
        return events(nr).stream().map(Json.EventJson::kind).toList();
    }

    /** After a once boot: the host is back to local and exactly one decision served it ({@code why}: what a second would mean). */
    static void assertOnceSpentByOneDecision(NetrescueProcess nr, String host, String decision, List<Json.EventJson> events, String why)
            throws Exception {
        Json.BootJson state = Json.MAPPER.readValue(nr.cli("boot", host, "--json"), Json.BootJson.class);
        assertThat(state.mode()).as("after the once, " + host + " is back to its previous mode").isEqualTo("local");
        List<Json.EventJson> served = events.stream().filter(e -> "boot.served".equals(e.kind())).toList();
        assertThat(served).as("%s: %s's boot.served events (logs in %s)", why, host, nr.log().getParent())
                .singleElement().satisfies(e -> assertThat(e.decision()).isEqualTo(decision));
    }

    /** The host's timeline has {@code decision} served to the machine at {@code ip}. */
    static void assertServed(List<Json.EventJson> events, String host, String decision, String ip, String mac) {
        assertThat(events).as(host + "'s timeline").anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("boot.served");
            assertThat(e.decision()).isEqualTo(decision);
            assertThat(e.sourceIp()).isEqualTo(ip);
            assertThat(e.mac()).isEqualToIgnoringCase(mac);
        });
    }
}
