package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.dhcp.server.DhcpSettings;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.TestServer;
import io.netrescue.tftp.server.TftpSettings;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PXELINUX and GRUB lookups over the real TFTP server, fetched by a client no one here wrote (curl's
 * TFTP), with decisions and audit from the real store. The ProxyDHCP runs on high ports so a DHCP
 * exchange can tell the TFTP side a machine's UUID.
 */
class PxeTftpTest {
    static final String MAC = "52-54-00-12-34-56";
    MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    TestServer s;
    int tftpPort;
    int pxePort;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl (Debian curl) is needed as the TFTP client");
        int dhcpPort = freePort();
        pxePort = freePort();
        s = TestServer.start(List.of(), "local", clock, c -> c
                .withTftp(TftpSettings.listening("127.0.0.1:0"))
                .withDhcp(new DhcpSettings("proxy", null, "127.0.0.1", null, "http://127.0.0.1:8080", null, dhcpPort, pxePort, null, null, null, null, null)));
        tftpPort = s.server().tftp().orElseThrow().localAddress().getPort();
        Files.writeString(s.assets().resolve("vmlinuz"), "kernel bytes\n".repeat(1000));
        ok(s.api("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.gz\"],\"cmdline\":\"console=ttyS0 host={host} token={token}\"}"));
        ok(s.api("POST", "profiles", "{\"name\":\"tls\",\"kernel\":\"https://example.org/k\",\"initrds\":[],\"cmdline\":\"\"}"));
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:12:34:56\"],\"uuid\":\"11111111-2222-4333-8444-555555555555\"}"));
    }

    @AfterEach
    void stop() {
        if (s != null) s.close();
    }

    static void ok(TestServer.Reply r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }

    static int freePort() throws Exception {
        try (DatagramSocket d = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return d.getLocalPort();
        }
    }

    record Fetch(int exit, String body) {}

    Fetch tftp(String path) throws Exception {
        Path out = Files.createTempFile("tftp", ".out");
        try {
            Process p = new ProcessBuilder("curl", "-s", "-S", "--max-time", "10", "--tftp-blksize", "1468",
                    "tftp://127.0.0.1:" + tftpPort + "/" + path, "-o", out.toString()).redirectErrorStream(true).start();
            String err = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            return new Fetch(p.exitValue(), p.exitValue() == 0 ? Files.readString(out) : err);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void pxelinuxGetsTheMachinesDecisionWithAFreshToken() throws Exception {
        Fetch local = tftp("pxelinux.cfg/01-" + MAC);
        assertThat(local.exit()).as(local.body()).isZero();
        assertThat(local.body()).contains("SAY netrescue: web1 boots its local disk", "LOCALBOOT 0");

        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\"}"));
        clock.advance(java.time.Duration.ofSeconds(6)); // past the repeat window of the first read
        Fetch f = tftp("pxelinux.cfg/01-" + MAC);
        assertThat(f.body()).contains("KERNEL vmlinuz\n", "INITRD initrd.gz\n").containsPattern("APPEND console=ttyS0 host=web1 token=[0-9a-f]{48}\n");
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("netboot rescue via pxelinux", "\"sourceIp\":\"127.0.0.1\"");
        // the services' counters through the API
        String st = s.api("GET", "netboot", null).body();
        assertThat(st).contains("\"mode\":\"proxy\"", "\"listen\":\"127.0.0.1:" + tftpPort + "\"").containsPattern("\"completed\":[2-9]");
        assertThat(s.api("GET", "netboot/leases", null).body().strip()).isEqualTo("[]");
        assertThat(s.api("POST", "netboot", null).status()).isEqualTo(405);
    }

    /** The host's timeline once it holds {@code text}: a decision is applied when the client acknowledges, just after it has its bytes. */
    String awaitEvents(String text) throws Exception {
        long end = System.nanoTime() + 5_000_000_000L;
        String ev = s.api("GET", "events?host=web1", null).body();
        while (!ev.contains(text) && System.nanoTime() < end) {
            Thread.sleep(20);
            ev = s.api("GET", "events?host=web1", null).body();
        }
        return ev;
    }

    /**
     * Issue 15, finding 2: one TFTP read request with a forged source address (nothing there acknowledges)
     * spent the host's once. A decision made over TFTP is applied only when the client acknowledges what
     * it was sent.
     */
    @Test
    void aReadRequestFromASourceThatNeverAcknowledgesSpendsNothing() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"rescue\"}"));
        byte[] rrq = ("\0\u0001pxelinux.cfg/01-" + MAC + "\0octet\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (DatagramSocket forged = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            forged.send(new DatagramPacket(rrq, rrq.length, new InetSocketAddress("127.0.0.1", tftpPort)));
            forged.setSoTimeout(3000);
            DatagramPacket data = new DatagramPacket(new byte[1600], 1600);
            forged.receive(data); // the configuration came (to whoever the source was), and is never acknowledged
            assertThat(data.getData()[1]).isEqualTo((byte) 3);
        }
        Thread.sleep(1500);
        assertThat(s.api("GET", "hosts/web1/boot", null).body()).as("the once is not spent").contains("\"mode\":\"once\"");
        assertThat(s.api("GET", "events?host=web1", null).body()).doesNotContain("boot.served");
        // the machine itself asks and acknowledges: now it is spent
        assertThat(tftp("pxelinux.cfg/01-" + MAC).body()).contains("KERNEL");
        assertThat(awaitEvents("boot.mode")).contains("boot.served");
        assertThat(s.api("GET", "hosts/web1/boot", null).body()).doesNotContain("\"mode\":\"once\"");
    }

    @Test
    void grubGetsTheSameDecisionQuoted() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"rescue\"}"));
        Fetch f = tftp("grub/grub.cfg-01-" + MAC);
        assertThat(f.body()).contains("linux '/vmlinuz' 'console=ttyS0' 'host=web1'", "initrd '/initrd.gz'", "boot\n");
        // GRUB 2.06 reads the file twice per boot: the second read is the same answer, not a second decision
        assertThat(tftp("grub/grub.cfg-01-" + MAC).body()).isEqualTo(f.body());
        String ev = awaitEvents("boot.mode");
        assertThat(ev.split("netboot rescue via grub", -1).length - 1).isEqualTo(1);
        assertThat(ev).contains("boot.mode");
        // a later boot: the once was used
        clock.advance(java.time.Duration.ofSeconds(6));
        assertThat(tftp("grub/grub.cfg-01-" + MAC).body()).contains("boots its local disk").doesNotContain("linux");
    }

    @Test
    void otherLookupsAreNotFoundSoTheLoaderMovesOnAndStaticFilesAreServed() throws Exception {
        Fetch uuid = tftp("pxelinux.cfg/11111111-2222-4333-8444-555555555555");
        assertThat(uuid.exit()).as(uuid.body()).isEqualTo(68); // curl's CURLE_TFTP_NOTFOUND: our error packet said code 1
        assertThat(tftp("pxelinux.cfg/C0A8").exit()).isEqualTo(68);
        Files.createDirectories(s.assets().resolve("pxelinux.cfg"));
        Files.writeString(s.assets().resolve("pxelinux.cfg/default"), "DEFAULT site\n");
        assertThat(tftp("pxelinux.cfg/default").body()).isEqualTo("DEFAULT site\n");
        assertThat(tftp("vmlinuz").body()).isEqualTo(Files.readString(s.assets().resolve("vmlinuz")));
        Path undionly = Path.of("/usr/lib/ipxe/undionly.kpxe");
        if (Files.isRegularFile(undionly)) {
            Path out = Files.createTempFile("undionly", ".kpxe");
            Process p = new ProcessBuilder("curl", "-s", "tftp://127.0.0.1:" + tftpPort + "/undionly.kpxe", "-o", out.toString()).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
            assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(undionly));
            Files.delete(out);
        }
    }

    /** UEFI HTTP boot clients are sent to our HTTP server for the iPXE binary: only the configured names are served. */
    @Test
    void ipxeBinariesOverHttpForUefiHttpBoot() throws Exception {
        Path efi = Path.of("/usr/lib/ipxe/snponly.efi"); // the default dhcp.ipxe.efi-x64
        assumeTrue(Files.isRegularFile(efi), "Debian's ipxe package (/usr/lib/ipxe/snponly.efi) is needed");
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(s.url().resolve("/ipxe-bin/snponly.efi")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Files.readAllBytes(efi));
        assertThat(s.request("GET", "/ipxe-bin/ipxe.lkrn", null, null).status()).isEqualTo(404); // in the directory, not configured
        assertThat(s.request("GET", "/ipxe-bin/ipxe.efi", null, null).status()).isEqualTo(404);
        assertThat(s.request("GET", "/ipxe-bin/../ipxe/ipxe.efi", null, null).status()).isIn(400, 404);
    }

    @Test
    void unknownMachinesBootLocallyAndAreRecorded() throws Exception {
        assertThat(tftp("pxelinux.cfg/01-52-54-00-99-99-01").body()).contains("machine not in inventory", "LOCALBOOT 0");
        assertThat(s.api("GET", "discovered", null).body()).contains("\"mac\":\"52:54:00:99:99:01\"");
    }

    @Test
    void aProfilePxelinuxCannotFetchIsRefusedWithoutSpendingTheOnce() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"tls\"}"));
        assertThat(tftp("pxelinux.cfg/01-" + MAC).body()).contains("pxelinux cannot fetch", "LOCALBOOT 0");
        assertThat(s.api("GET", "hosts/web1", null).body()).contains("\"once\"");
    }

    /** The UUID a machine sent in its DHCP exchange reaches the TFTP decision: a mismatch is refused. */
    @Test
    void theDhcpExchangesUuidIsCheckedAtTheTftpLookup() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\"}"));
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            c.setSoTimeout(3000);
            byte[] req = ipxeRequest("52:54:00:12:34:56", "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
            c.send(new DatagramPacket(req, req.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), pxePort)));
            c.receive(new DatagramPacket(new byte[1500], 1500)); // the ACK: the sighting is recorded before it is sent
        }
        Fetch f = tftp("pxelinux.cfg/01-" + MAC);
        assertThat(f.body()).contains("LOCALBOOT 0").doesNotContain("KERNEL vmlinuz");
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("uuid 8c5b0b4e-2f6a-4d1e-9a61-0123456789ab does not match");
    }

    /** iPXE's unicast ProxyDHCP REQUEST to port 4011 (as measured in the lab), with option 97 in SMBIOS byte order. */
    static byte[] ipxeRequest(String mac, String uuid) {
        String u = uuid.replace("-", "");
        String smbios = swap(u.substring(0, 8)) + swap(u.substring(8, 12)) + swap(u.substring(12, 16)) + u.substring(16);
        ByteBuffer b = ByteBuffer.allocate(300);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(0x4242).putShort((short) 0).putShort((short) 0);
        b.put(new byte[] {127, 0, 0, 1}).putInt(0).putInt(0).putInt(0).put(io.netrescue.inventory.MacAddress.parse(mac).bytes());
        b.position(236);
        b.putInt(0x63825363);
        b.put(HexFormat.of().parseHex("350103" + "5d020000" + "3c09505845436c69656e74" + "4d0469505845" + "611100" + smbios + "ff"));
        return b.array();
    }

    static String swap(String hex) {
        StringBuilder r = new StringBuilder();
        for (int i = hex.length() - 2; i >= 0; i -= 2) r.append(hex, i, i + 2);
        return r.toString();
    }
}
