package io.netrescue.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.kexec.KexecManifest;
import io.netrescue.sysrq.SysrqMessage.KexecRequest;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's fetch-and-verify against the JDK's HTTP server, and its kexec settings. */
class KexecRunnerTest {
    @TempDir Path dir;
    HttpServer http;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final byte[] kernel = "KERNEL".repeat(1000).getBytes();

    @BeforeEach
    void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", x -> {
            byte[] b = files.get(x.getRequestURI().getPath());
            x.sendResponseHeaders(b == null ? 404 : 200, b == null ? -1 : b.length);
            if (b != null) x.getResponseBody().write(b);
            x.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(KexecRunner.sha256(b));
    }

    KexecRunner runner(String kexecScript) throws Exception {
        Path k = dir.resolve("kexec");
        Files.writeString(k, "#!/bin/sh\n" + kexecScript);
        Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rwx------"));
        Properties p = new Properties();
        p.setProperty("allowed-kexec", "true");
        p.setProperty("kexec-dir", dir.resolve("run").toString());
        p.setProperty("kexec-command", k.toString());
        p.setProperty("kexec-timeout-seconds", "10");
        return new KexecRunner(KexecSettings.of(p, "test"));
    }

    /** Publishes a manifest for the kernel declared as {@code declared} and returns the request announcing it. */
    KexecRequest request(KexecManifest.Entry declared) {
        byte[] m = new KexecManifest(declared, List.of(), "console=ttyS0").bytes();
        files.put("/m", m);
        return new KexecRequest("web1", 1, 1, 1, url("/m"), KexecRunner.sha256(m));
    }

    @Test
    void loadsVerifiedFilesWithKexecL() throws Exception {
        files.put("/k", kernel);
        KexecRunner r = runner("printf '%s\\n' \"$*\" > " + dir.resolve("args") + "\n");
        KexecRunner.Loaded l = r.prepare(request(new KexecManifest.Entry(kernel.length, hex(kernel), url("/k"))));
        assertThat(l).isEqualTo(new KexecRunner.Loaded(kernel.length, 0, 0));
        assertThat(Files.readString(dir.resolve("args"))).isEqualTo("-l " + dir.resolve("run/kernel") + " --command-line=console=ttyS0\n");
        assertThat(Files.readAllBytes(dir.resolve("run/kernel"))).isEqualTo(kernel);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run/kernel")))).isEqualTo("rw-------");
    }

    @Test
    void everyMismatchIsRefusedBeforeKexecRuns() throws Exception {
        files.put("/k", kernel);
        KexecRunner r = runner("touch " + dir.resolve("ran") + "\n");
        var good = new KexecManifest.Entry(kernel.length, hex(kernel), url("/k"));
        KexecRequest wrongManifestHash = new KexecRequest("web1", 1, 1, 1, request(good).manifestUrl(), new byte[32]);
        assertThatThrownBy(() -> r.prepare(wrongManifestHash)).hasMessage("manifest checksum mismatch");
        assertThatThrownBy(() -> r.prepare(request(new KexecManifest.Entry(kernel.length - 1, hex(kernel), url("/k")))))
                .hasMessage("kernel is longer than the 5999 bytes in the manifest");
        assertThatThrownBy(() -> r.prepare(request(new KexecManifest.Entry(kernel.length + 1, hex(kernel), url("/k")))))
                .hasMessage("kernel has 6000 bytes, the manifest says 6001");
        assertThatThrownBy(() -> r.prepare(request(new KexecManifest.Entry(kernel.length, "0".repeat(64), url("/k")))))
                .hasMessage("kernel checksum mismatch");
        assertThatThrownBy(() -> r.prepare(request(new KexecManifest.Entry(1, hex(kernel), url("/missing")))))
                .hasMessage("kernel: HTTP 404 from the server");
        files.put("/bad", "netrescue-kexec-manifest 2\n".getBytes());
        assertThatThrownBy(() -> r.prepare(new KexecRequest("web1", 1, 1, 1, url("/bad"), KexecRunner.sha256(files.get("/bad")))))
                .hasMessageStartingWith("bad manifest: not a version 1 kexec manifest");
        assertThat(dir.resolve("ran")).doesNotExist();
    }

    @Test
    void aFailingKexecLoadIsRefusedWithItsMessage() throws Exception {
        files.put("/k", kernel);
        KexecRunner r = runner("echo 'Cannot determine the file type of /run/netrescue-kexec/kernel' >&2\nexit 1\n");
        assertThatThrownBy(() -> r.prepare(request(new KexecManifest.Entry(kernel.length, hex(kernel), url("/k")))))
                .hasMessage("kexec -l failed (exit 1): Cannot determine the file type of /run/netrescue-kexec/kernel");
    }

    @Test
    void settingsDefaultToOffAndSystemctl() {
        KexecSettings d = KexecSettings.of(new Properties(), "agent.conf");
        assertThat(d).isEqualTo(new KexecSettings(false, Path.of("/run/netrescue-kexec"), Path.of("/sbin/kexec"), KexecSettings.Execute.SYSTEMCTL,
                Path.of("/bin/systemctl"), 120));
        Properties p = new Properties();
        p.setProperty("allowed-kexec", "yes");
        assertThatThrownBy(() -> KexecSettings.of(p, "agent.conf")).isInstanceOf(InvalidInputException.class)
                .hasMessage("agent.conf: allowed-kexec must be true or false");
        p.setProperty("allowed-kexec", "true");
        p.setProperty("kexec-execute", "reboot");
        assertThatThrownBy(() -> KexecSettings.of(p, "agent.conf")).hasMessage("agent.conf: kexec-execute must be systemctl or direct, not 'reboot'");
        p.setProperty("kexec-execute", "direct");
        p.setProperty("kexec-dir", "run/kexec");
        assertThatThrownBy(() -> KexecSettings.of(p, "agent.conf")).hasMessage("agent.conf: kexec-dir must be an absolute path, not 'run/kexec'");
    }
}
