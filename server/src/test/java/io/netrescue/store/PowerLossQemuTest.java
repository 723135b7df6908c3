package io.netrescue.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.qemu.QemuVm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Power loss, not only process death (issue 11). The real server runs inside a QEMU guest
 * ({@code -accel tcg}; a Debian kernel and a busybox initrd from {@code tools/guest/powercut-guest.sh})
 * that mounts the host's root read-only over virtio-9p and runs the test JVM's own JDK and class
 * path from it; the data directory is on a virtio disk (a raw ext4 image made here). The test
 * makes writes through the HTTP API only (so it holds for any store engine), SIGKILLs QEMU right
 * after the last acknowledgement (the guest's page cache is lost, as in a power cut), boots again
 * from the same image and checks that every acknowledged host, profile and boot mode is there,
 * that a {@code once} that {@code /boot.ipxe} answered is not pending again, that the store opens
 * and that the audit events of those changes can be read. Three cuts: after sequential writes
 * ending with a served once, while four writers have requests in flight, and sequential again.
 *
 * <p>The disk is {@code cache=writeback}: the guest sees a volatile write cache and sends flushes as
 * to a real disk, and what it had sent to the disk before the kill is in the host's page cache,
 * which survives the kill of QEMU (the host keeps running). So the test loses exactly what only the
 * guest held: its page cache. (A disk's own volatile cache is not modelled: the test finds writes
 * that were never synced, not a missing barrier between two writes that were both sent.) The
 * guest holds writeback back (no periodic flusher, ext4 commit=600), so an unsynced write is
 * reliably still in its page cache at the cut.
 *
 * <p>Speed: the JVM under TCG is slow; the server's classes come from an AOT cache made by a
 * training run of the same server on the host first (JDK 25, {@code -XX:AOTCacheOutput}; the guest
 * CPU is {@code -cpu max} so the cached code runs there). {@code -Dpowerloss.aot=false} turns it off.
 */
@Tag("qemu")
class PowerLossQemuTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(Long.getLong("powerloss.boot-timeout", 360));
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int GUEST_HTTP_PORT = 8080;
    /** QEMU user networking: the guest sees the host's connections come from its gateway. */
    private static final String GUEST_SEES_HOST_AS = "10.0.2.2";
    private static final List<String> GUEST_FAILURES = List.of("NETRESCUE-POWERCUT-FAILED", "NETRESCUE-POWERCUT-EXITED", "Kernel panic");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir Path tmp;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final List<String> report = new ArrayList<>();
    private final Set<String> losses = new LinkedHashSet<>();
    private final AtomicInteger macCounter = new AtomicInteger();
    private String token;

    // ---- what the test expects to find after a cut ----

    /** One host, written by one writer at a time. Modes as GET /hosts shows them ({@code boot.mode}). */
    static final class HostModel {
        final String name;
        final String mac;
        final int round;
        volatile boolean created;          // POST acknowledged (201)
        volatile boolean createInFlight;   // POST sent, no answer before the cut
        volatile String mode = "local";    // mode after the last acknowledged change
        volatile String inFlightMode;      // the mode an unanswered request would have left
        volatile String lastAcked = "none";
        final AtomicInteger apiModeSets = new AtomicInteger();   // acknowledged PUT /hosts/NAME/boot
        final AtomicInteger servedOnces = new AtomicInteger();   // onces /boot.ipxe answered
        volatile int inFlightServe;                              // 1 if a /boot.ipxe was unanswered at the cut

        HostModel(String name, String mac, int round) {
            this.name = name;
            this.mac = mac;
            this.round = round;
        }
    }

    private final Map<String, HostModel> hosts = new LinkedHashMap<>();
    private final Map<String, String> profiles = new LinkedHashMap<>(); // acknowledged name -> kernel

    record Guest(QemuVm vm, int port, double healthySeconds, String javaUptime) {}

    @Test
    void acknowledgedWritesSurvivePowerCuts() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path script = repo.resolve("tools/guest/powercut-guest.sh");
        assumeTrue(Files.isExecutable(script), "missing " + script);
        assumeTrue(isRoot(), "the power-loss guest needs root (it reads /boot/vmlinuz-*, installs busybox-static)");
        assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        assumeTrue(onPath("mkfs.ext4"), "mkfs.ext4 not found (apt-get install e2fsprogs)");
        long t0 = System.nanoTime();

        // The guest kernel and initrd (shared by all boots) and, at the same time, the AOT training run.
        String cp = classPath();
        List<String> jvm = jvmOptions();
        Path aot = tmp.resolve("server.aot");
        Training training = Boolean.parseBoolean(System.getProperty("powerloss.aot", "true")) ? startTraining(jvm, cp, aot) : null;
        Path guestDir = tmp.resolve("guest");
        long tb = System.nanoTime();
        Process build = new ProcessBuilder("bash", script.toString(), guestDir.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("build.log").toFile()).start();
        try {
            assertTrue(build.waitFor(10, TimeUnit.MINUTES), "guest build took too long");
        } finally {
            build.destroyForcibly();
        }
        String buildLog = Files.readString(tmp.resolve("build.log"));
        assumeTrue(build.exitValue() != 3, "guest build says a prerequisite is missing:\n" + buildLog);
        assertEquals(0, build.exitValue(), "guest build failed:\n" + buildLog);
        note("guest build (tools/guest/powercut-guest.sh): %.1f s", secondsSince(tb));
        boolean useAot = training != null && finishTraining(training, aot);

        // The disk: ext4 with the data directory and an API token already in it.
        token = HexFormat.of().formatHex(randomBytes(32));
        Path disk = makeDisk();
        Path mnt = Files.createDirectories(tmp.resolve("mnt")); // where the guest mounts the disk (an empty dir on the host)
        Path args = tmp.resolve("java.args");
        List<String> guestJava = new ArrayList<>(jvm);
        if (useAot) guestJava.add("-XX:AOTCache=" + aot);
        guestJava.addAll(List.of("-cp", cp, "io.netrescue.cli.Main", "serve", "--data", mnt.resolve("data").toString(),
                "--listen", "0.0.0.0:" + GUEST_HTTP_PORT, "--heartbeats="));
        Files.write(args, guestJava);

        int boots = 0;
        try {
            // Round 1: sequential writes; the last acknowledgement is a once served by /boot.ipxe.
            Guest g = boot(++boots, guestDir, disk, args, mnt);
            try {
                writeProfile(g, "rescue", "k", false);
                writeProfile(g, "p1", "k1", false);
                int acked = runWriters(g, 1, 1, 3, Duration.ZERO);
                g.vm().powerCut();
                note("round 1: %d acknowledged writes, sequential; SIGKILL right after the last (a once served)", acked);
                assertTrue(acked > 0, "round 1 acknowledged nothing: the test would prove nothing");
            } finally {
                g.vm().close();
            }

            // Round 2: four writers; the cut comes while requests are in flight.
            g = boot(++boots, guestDir, disk, args, mnt);
            try {
                verify(g, boots);
                writeProfile(g, "p2", "k2", false);
                int acked = runWriters(g, 2, 4, Integer.MAX_VALUE, Duration.ofSeconds(Long.getLong("powerloss.concurrent-seconds", 10)));
                assertTrue(acked > 0, "round 2 acknowledged nothing: the test would prove nothing");
            } finally {
                g.vm().close();
            }

            // Round 3: sequential again, with a profile replaced.
            g = boot(++boots, guestDir, disk, args, mnt);
            try {
                verify(g, boots);
                writeProfile(g, "p3", "k3", false);
                writeProfile(g, "rescue", "k-replaced", true);
                int acked = runWriters(g, 3, 1, 3, Duration.ZERO);
                g.vm().powerCut();
                note("round 3: %d acknowledged writes, sequential; SIGKILL right after the last (a once served)", acked);
                assertTrue(acked > 0, "round 3 acknowledged nothing: the test would prove nothing");
            } finally {
                g.vm().close();
            }

            g = boot(++boots, guestDir, disk, args, mnt);
            try {
                verify(g, boots);
            } finally {
                g.vm().close();
            }
        } finally {
            note("total: %.1f s", secondsSince(t0));
            System.out.println("PowerLossQemuTest\n  " + String.join("\n  ", report));
        }
        if (!losses.isEmpty()) {
            Path kept = keepEvidence(disk);
            fail(losses.size() + " acknowledged change(s) lost or wrong after a power cut:\n  " + String.join("\n  ", losses)
                    + "\n" + String.join("\n", report) + "\nthe data directory on the disk image after the last boot:\n" + listData(disk)
                    + "\nconsole logs in " + kept);
        }
    }

    // ---- the guest ----

    private Guest boot(int n, Path guestDir, Path disk, Path args, Path mnt) throws Exception {
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1536",
                "-nographic", "-no-reboot",
                "-kernel", guestDir.resolve("vmlinuz").toString(), "-initrd", guestDir.resolve("initrd.gz").toString(),
                "-append", "console=ttyS0 loglevel=4 panic=-1 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2 nr.java=" + java
                        + " nr.args=" + args + " nr.disk=" + mnt,
                "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:" + port + "-:" + GUEST_HTTP_PORT, "-device", "virtio-net-pci,netdev=n0",
                // writeback: see the class comment
                "-drive", "file=" + disk + ",format=raw,if=virtio,cache=writeback",
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap");
        QemuVm vm = QemuVm.start("powercut-boot" + n, cmd, tmp.resolve("serial-" + n + ".log"));
        try {
            while (true) {
                String serial = vm.serialText();
                for (String f : GUEST_FAILURES) {
                    if (serial.contains(f)) throw new AssertionError("boot " + n + ": '" + f + "' on the console: the server or its store did not start\n" + vm.tail(60));
                }
                if (!vm.isAlive()) throw new AssertionError("boot " + n + ": QEMU exited\n" + vm.tail(60));
                if (vm.elapsed().compareTo(BOOT_TIMEOUT) > 0) throw new AssertionError("boot " + n + ": not healthy after " + BOOT_TIMEOUT.toSeconds() + " s\n" + vm.tail(60));
                try {
                    if (call(port, "GET", "/api/v1/health", null, Duration.ofSeconds(5)).statusCode() == 200) break;
                } catch (IOException notYet) {
                    // QEMU accepts the connection and the guest resets it until the server listens
                }
                Thread.sleep(500);
            }
        } catch (Throwable t) {
            vm.close();
            throw t;
        }
        Matcher m = Pattern.compile("NETRESCUE-POWERCUT-JAVA uptime=([0-9.]+)").matcher(vm.serialText());
        String javaAt = m.find() ? m.group(1) : "?";
        Guest g = new Guest(vm, port, vm.elapsed().toMillis() / 1000.0, javaAt);
        note("boot %d: QEMU start to /api/v1/health 200 in %.1f s (JVM started at guest uptime %s s)", n, g.healthySeconds(), javaAt);
        return g;
    }

    private Path makeDisk() throws IOException, InterruptedException {
        Path stage = Files.createDirectories(tmp.resolve("stage/data"));
        Path tok = stage.resolve("api-token");
        Files.createFile(tok, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tok, token + "\n");
        Path disk = tmp.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(256L << 20); // sparse
        }
        Process p = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", stage.getParent().toString(), disk.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("mkfs.log").toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0, "mkfs.ext4 failed: " + Files.readString(tmp.resolve("mkfs.log")));
        return disk;
    }

    /** JVM options of the guest's server, and of the training run (an AOT cache needs the same ones). */
    private static List<String> jvmOptions() {
        return List.of("-XX:+UseSerialGC", "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:UseAVX=2",
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=/var/tmp");
    }

    /**
     * The test JVM's class path for the server, as jars: an AOT cache refuses directories, so each
     * {@code target/classes} becomes a jar here (test classes are left out: the guest runs the server).
     */
    private String classPath() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cp"));
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow();
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                if (p.getFileName().toString().equals("test-classes")) continue;
                Path j = dir.resolve((i++) + "-" + p.getParent().getParent().getFileName() + ".jar");
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int rc = jar.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err), "--create", "--file", j.toString(), "-C", p.toString(), ".");
                if (rc != 0) throw new IOException("jar of " + p + " failed: " + err);
                out.add(j.toString());
            } else if (Files.isRegularFile(p)) {
                out.add(p.toString());
            }
        }
        return String.join(":", out);
    }

    record Training(Process process, int port) {}

    private Training startTraining(List<String> jvm, String cp, Path aot) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        // no adapters or stubs as machine code in the cache: JDK 25.0.3 would store them for the host's
        // CPU and load them without checking its features (SIGILL in an AdapterBlob under TCG, see
        // tools/guest/README.md on agent-guest.sh)
        cmd.addAll(List.of("-XX:AOTCacheOutput=" + aot, "-Xlog:aot=error", "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTAdapterCaching", "-XX:-AOTStubCaching", "-cp", cp, "io.netrescue.cli.Main", "serve",
                "--data", tmp.resolve("training-data").toString(), "--listen", "127.0.0.1:" + port, "--heartbeats="));
        return new Training(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("training.log").toFile()).start(), port);
    }

    /** Exercises the training server with the requests the test makes, then stops it so it writes its AOT cache. */
    private boolean finishTraining(Training tr, Path aot) throws Exception {
        long t = System.nanoTime();
        Process p = tr.process();
        int port = tr.port();
        try {
            boolean up = false;
            while (p.isAlive() && secondsSince(t) < 120 && !up) {
                try {
                    up = call(port, "GET", "/api/v1/health", null, Duration.ofSeconds(5)).statusCode() == 200;
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            if (!up) {
                note("AOT training: the server did not start; going on without an AOT cache\n%s", Files.readString(tmp.resolve("training.log")));
                return false;
            }
            String saved = token;
            token = Files.readString(tmp.resolve("training-data/api-token")).strip();
            try {
                HostModel h = new HostModel("training", "02:ff:00:00:00:01", 0);
                writeProfile(port, "rescue", "k", false);
                runOps(port, "127.0.0.1", h, () -> false, new AtomicInteger(), new AtomicInteger());
                call(port, "GET", "/api/v1/hosts", null, REQUEST_TIMEOUT);
                call(port, "GET", "/api/v1/profiles", null, REQUEST_TIMEOUT);
                call(port, "GET", "/api/v1/events?limit=10000", null, REQUEST_TIMEOUT);
            } finally {
                token = saved;
            }
            p.destroy(); // SIGTERM: the JVM writes the cache as it exits
            if (!p.waitFor(3, TimeUnit.MINUTES)) throw new IllegalStateException("AOT training run did not exit");
            boolean ok = Files.isRegularFile(aot) && Files.size(aot) > 0;
            note("AOT training run on the host: %.1f s after the guest build (which it overlaps), cache %d MB", secondsSince(t), ok ? Files.size(aot) >> 20 : 0);
            return ok;
        } catch (IOException | RuntimeException | AssertionError e) {
            note("AOT training failed (%s); going on without an AOT cache", e);
            return false;
        } finally {
            p.destroyForcibly();
        }
    }

    // ---- writes ----

    private void writeProfile(Guest g, String name, String kernel, boolean replace) throws Exception {
        writeProfile(g.port(), name, kernel, replace);
        profiles.put(name, kernel);
    }

    private void writeProfile(int port, String name, String kernel, boolean replace) throws Exception {
        String body = "{\"name\":\"" + name + "\",\"kernel\":\"" + kernel + "\"" + (replace ? ",\"replace\":true" : "") + "}";
        HttpResponse<String> r = call(port, "POST", "/api/v1/profiles", body, REQUEST_TIMEOUT);
        assertEquals(201, r.statusCode(), "POST profile " + name + ": " + r.body());
    }

    /**
     * {@code writers} threads, each adding hosts one after the other and taking each through
     * rescue, once and a served once; {@code hostsPerWriter} hosts each, or, with a {@code duration},
     * until that has passed: then the guest is cut off while requests are in flight.
     * Returns the number of acknowledged writes.
     */
    private int runWriters(Guest g, int round, int writers, int hostsPerWriter, Duration duration) throws Exception {
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        long t = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            int wi = w;
            threads.add(Thread.ofPlatform().name("writer-" + round + "-" + w).start(() -> {
                for (int i = 0; i < hostsPerWriter && !stop.get(); i++) {
                    int n = macCounter.incrementAndGet();
                    HostModel h = new HostModel("r" + round + "w" + wi + "h" + i,
                            String.format("02:00:00:%02x:%02x:%02x", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff), round);
                    synchronized (hosts) {
                        hosts.put(h.name, h);
                    }
                    try {
                        runOps(g.port(), GUEST_SEES_HOST_AS, h, () -> stop.get(), acked, inFlight);
                    } catch (IOException cut) {
                        // the power cut: this writer's request stays in flight (recorded in its HostModel)
                        if (!stop.get()) errors.add(cut); // no cut yet: the guest failed
                        return;
                    } catch (Throwable e) {
                        errors.add(e);
                        return;
                    }
                }
            }));
        }
        int inFlightAtCut = 0;
        if (!duration.isZero()) {
            Thread.sleep(duration.toMillis());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (inFlight.get() < Math.min(2, writers) && System.nanoTime() < deadline) Thread.onSpinWait();
            stop.set(true);
            inFlightAtCut = inFlight.get();
            g.vm().powerCut();
            note("round %d: %d writers, %d acknowledged writes in %.1f s, SIGKILL with %d request(s) in flight",
                    round, writers, acked.get(), secondsSince(t), inFlightAtCut);
        }
        for (Thread th : threads) {
            th.join(TimeUnit.MINUTES.toMillis(3));
            if (th.isAlive()) throw new AssertionError(th.getName() + " still runs 3 minutes after the cut");
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("round " + round + ": a write was refused or answered wrongly\n" + g.vm().tail(30), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        if (duration.isZero()) note("round %d: writes took %.1f s", round, secondsSince(t));
        else assertTrue(inFlightAtCut > 0, "round " + round + ": no request was in flight at the cut");
        return acked.get();
    }

    interface Stop {
        boolean now();
    }

    /** Add the host, set rescue, set once rescue, and have /boot.ipxe serve the once. */
    private void runOps(int port, String reportedIp, HostModel h, Stop stop, AtomicInteger acked, AtomicInteger inFlight) throws Exception {
        h.createInFlight = true;
        HttpResponse<String> r = tracked(inFlight, () -> call(port, "POST", "/api/v1/hosts",
                "{\"name\":\"" + h.name + "\",\"macs\":[\"" + h.mac + "\"]}", REQUEST_TIMEOUT));
        expect(201, r, "POST host " + h.name);
        h.created = true;
        h.createInFlight = false;
        h.lastAcked = "POST /hosts";
        acked.incrementAndGet();
        if (stop.now()) return;
        setMode(port, h, "{\"mode\":\"rescue\"}", "rescue", acked, inFlight);
        if (stop.now()) return;
        setMode(port, h, "{\"mode\":\"once\",\"profile\":\"rescue\"}", "once", acked, inFlight);
        if (stop.now()) return;
        // /boot.ipxe serves the once; the host returns to the mode it had before (rescue)
        h.inFlightMode = "rescue";
        h.inFlightServe = 1;
        r = tracked(inFlight, () -> call(port, "GET", "/boot.ipxe?mac=" + h.mac + "&ip=" + reportedIp, null, REQUEST_TIMEOUT));
        expect(200, r, "GET /boot.ipxe for " + h.name);
        if (!r.body().contains(h.name + " boots profile rescue")) throw new AssertionError("/boot.ipxe for " + h.name + " (once rescue) answered:\n" + r.body());
        h.mode = "rescue";
        h.inFlightMode = null;
        h.inFlightServe = 0;
        h.servedOnces.incrementAndGet();
        h.lastAcked = "GET /boot.ipxe served its once";
        acked.incrementAndGet();
    }

    private void setMode(int port, HostModel h, String body, String mode, AtomicInteger acked, AtomicInteger inFlight) throws Exception {
        h.inFlightMode = mode;
        HttpResponse<String> r = tracked(inFlight, () -> call(port, "PUT", "/api/v1/hosts/" + h.name + "/boot", body, REQUEST_TIMEOUT));
        expect(200, r, "PUT boot " + body + " for " + h.name);
        h.mode = mode;
        h.inFlightMode = null;
        h.apiModeSets.incrementAndGet();
        h.lastAcked = "PUT boot " + body;
        acked.incrementAndGet();
    }

    interface Call {
        HttpResponse<String> run() throws IOException, InterruptedException;
    }

    private static HttpResponse<String> tracked(AtomicInteger inFlight, Call c) throws IOException, InterruptedException {
        inFlight.incrementAndGet();
        try {
            return c.run();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static void expect(int status, HttpResponse<String> r, String what) {
        if (r.statusCode() != status) throw new AssertionError(what + ": HTTP " + r.statusCode() + " " + r.body());
    }

    // ---- checks after a boot ----

    private void verify(Guest g, int boot) throws Exception {
        long t = System.nanoTime();
        int before = losses.size();
        String when = "after cut " + (boot - 1) + " (boot " + boot + ")";
        HttpResponse<String> hr = call(g.port(), "GET", "/api/v1/hosts", null, REQUEST_TIMEOUT);
        assertEquals(200, hr.statusCode(), "GET /hosts " + when + ": " + hr.body());
        Map<String, JsonNode> actual = new HashMap<>();
        for (JsonNode n : JSON.readTree(hr.body())) actual.put(n.path("name").asString(), n);

        HttpResponse<String> pr = call(g.port(), "GET", "/api/v1/profiles", null, REQUEST_TIMEOUT);
        assertEquals(200, pr.statusCode(), "GET /profiles " + when + ": " + pr.body());
        Map<String, String> actualProfiles = new HashMap<>();
        for (JsonNode n : JSON.readTree(pr.body())) actualProfiles.put(n.path("name").asString(), n.path("kernel").asString());
        profiles.forEach((name, kernel) -> {
            if (!actualProfiles.containsKey(name)) losses.add(when + ": profile " + name + " (acknowledged) is missing");
            else if (!kernel.equals(actualProfiles.get(name))) losses.add(when + ": profile " + name + " has kernel " + actualProfiles.get(name) + ", acknowledged " + kernel);
        });

        // the audit events: readable at all, and those of acknowledged changes present
        HttpResponse<String> er = call(g.port(), "GET", "/api/v1/events?limit=10000", null, REQUEST_TIMEOUT);
        assertEquals(200, er.statusCode(), "GET /events " + when + " (the audit journal must be readable): " + er.body());
        JsonNode events = JSON.readTree(er.body());
        assertTrue(events.size() < 10_000, "more events than one page");
        Map<String, int[]> perHost = new HashMap<>(); // host -> [host.added, api mode sets, onces served]
        for (JsonNode e : events) {
            String host = e.path("host").asString("");
            int[] c = perHost.computeIfAbsent(host, k -> new int[3]);
            String kind = e.path("kind").asString();
            String actor = e.path("actor").asString("");
            if (kind.equals("host.added")) c[0]++;
            else if (kind.equals("boot.mode") && actor.startsWith("api:")) c[1]++;
            else if (kind.equals("boot.mode") && actor.equals("boot") && e.path("reason").asString("").contains("served")) c[2]++;
        }

        int checked = 0;
        for (HostModel h : List.copyOf(hosts.values())) {
            JsonNode a = actual.get(h.name);
            if (a == null) {
                if (h.created) losses.add(when + ": host " + h.name + " (round " + h.round + ", POST acknowledged; last acknowledged: " + h.lastAcked + ") is missing");
                else hosts.remove(h.name); // never acknowledged, not there: nothing to expect of it
                continue;
            }
            checked++;
            String mode = a.path("boot").path("mode").asString();
            boolean ok = mode.equals(h.mode) || mode.equals(h.inFlightMode);
            if (!ok) {
                String what = mode.equals("once") && h.servedOnces.get() > 0
                        ? "its once was served by /boot.ipxe before the cut and is pending again (would be served twice)"
                        : "mode is " + mode + ", last acknowledged " + h.mode + (h.inFlightMode == null ? "" : " (or " + h.inFlightMode + " in flight at the cut)");
                losses.add(when + ": host " + h.name + " (round " + h.round + "; last acknowledged: " + h.lastAcked + "): " + what);
            }
            int[] c = perHost.getOrDefault(h.name, new int[3]);
            if (h.created && c[0] < 1) losses.add(when + ": host " + h.name + ": no host.added event although the POST was acknowledged");
            if (c[1] < h.apiModeSets.get()) losses.add(when + ": host " + h.name + ": " + c[1] + " boot.mode events by the API, " + h.apiModeSets.get() + " acknowledged");
            if (c[2] < h.servedOnces.get()) losses.add(when + ": host " + h.name + ": " + c[2] + " 'once served' events, " + h.servedOnces.get() + " onces answered by /boot.ipxe");
            if (c[2] > h.servedOnces.get() + h.inFlightServe) losses.add(when + ": host " + h.name + ": once served " + c[2] + " times (at most " + (h.servedOnces.get() + h.inFlightServe) + ")");
            // from here on, expect what is there (an unacknowledged request may or may not have taken effect)
            h.created = true;
            h.createInFlight = false;
            if (ok) h.mode = mode;
            h.inFlightMode = null;
            h.inFlightServe = 0;
            if (c[1] > h.apiModeSets.get()) h.apiModeSets.set(c[1]);   // an unanswered PUT that took effect
            if (c[2] > h.servedOnces.get()) h.servedOnces.set(c[2]);   // an unanswered serve that took effect
        }
        note("boot %d: checked %d hosts, %d profiles, %d events in %.1f s: %s", boot, checked, profiles.size(), events.size(),
                secondsSince(t), losses.size() == before ? "nothing lost" : (losses.size() - before) + " LOST/WRONG");
    }

    /** The data directory as the image holds it (debugfs reads the image without mounting it). */
    private String listData(Path disk) {
        try {
            Process p = new ProcessBuilder("debugfs", "-R", "ls -l /data", disk.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(1, TimeUnit.MINUTES);
            return out.strip();
        } catch (IOException | InterruptedException e) {
            return "(debugfs failed: " + e + ")";
        }
    }

    /**
     * The console logs (and with -Dpowerloss.keep-disk=true the disk image) of a failed run, in
     * server/target/power-loss/ (the temporary directory itself is removed).
     */
    private Path keepEvidence(Path disk) throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "power-loss", "run-" + ProcessHandle.current().pid()));
        try (var s = Files.list(tmp)) {
            for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Boolean.getBoolean("powerloss.keep-disk")) Files.copy(disk, dir.resolve("disk.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    // ---- plumbing ----

    private HttpResponse<String> call(int port, String method, String path, String body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout);
        if (token != null && path.startsWith("/api/")) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private void note(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        synchronized (report) {
            report.add(line);
        }
        System.out.println("[power-loss] " + line);
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

}
