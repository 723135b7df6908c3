package io.netrescue.qemu;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway PXE site in two network namespaces, named uniquely per lab so parallel runs never meet:
 * <pre>
 *   site namespace  nrsite-ID: bridge br0 (SUBNET.1/24, fd77:0:N::1/64)  -- tap0 (the QEMU VM)
 *                                          '-- nrlink -- veth -- nr0 (SUBNET.2/24) in the server namespace nrsrv-ID
 * </pre>
 * The site runs an ordinary DHCP server (dnsmasq: plain leases, no PXE options) plus IPv6 router
 * advertisements, without which iPXE waits about 16 s for IPv6 autoconfiguration before it asks a
 * ProxyDHCP. The server namespace holds whatever plays the PXE server. Nothing touches the root
 * namespace: no interface, address or route is added there.
 *
 * <p>Every process is started through this class and logs to a file in {@link #dir()}. {@link #close}
 * kills them all, kills anything else still inside the two namespaces, and deletes the namespaces
 * (which takes the bridge, tap and veth with them); a shutdown hook does the same if the JVM is
 * stopped before that.
 */
final class PxeLab implements AutoCloseable {
    static final String BRIDGE = "br0";
    static final String TAP = "tap0";
    /** The server namespace's interface (what a ProxyDHCP binds to). */
    static final String SERVER_IF = "nr0";
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    /** Our namespace names: nrsite-PID-HEX / nrsrv-PID-HEX, PID being the JVM that made them. */
    private static final Pattern OWNED = Pattern.compile("nr(?:site|srv)-(\\d+)-[0-9a-f]+");

    private final String id;
    private final String siteNs;
    private final String serverNs;
    private final int net;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<QemuVm> vms = new ArrayList<>();
    private final Thread hook;
    private Path siteLeases;
    private Path siteDhcpLog;
    private boolean closed;

    private PxeLab(String id, int net, Path dir) {
        this.id = id;
        this.siteNs = "nrsite-" + id;
        this.serverNs = "nrsrv-" + id;
        this.net = net;
        this.dir = dir;
        this.hook = new Thread(this::close, "pxe-lab-cleanup-" + id);
    }

    /**
     * Why this machine cannot run a lab (empty when it can): root for namespaces and taps, and the
     * {@code ip}, {@code dnsmasq} and {@code curl} binaries.
     */
    static Optional<String> missingRequirement() {
        if (!isRoot()) return Optional.of("network namespaces, bridges and taps need root (CI runs these tests as root)");
        for (String exe : List.of("ip", "dnsmasq", "curl")) {
            if (find(exe).isEmpty()) return Optional.of(exe + " not found (apt-get install iproute2 dnsmasq-base curl)");
        }
        return Optional.empty();
    }

    /** Creates the namespaces and links; logs go to {@code logRoot/<label>-<id>/}. */
    static PxeLab create(Path logRoot, String label) throws IOException {
        sweepOrphans();
        // the creating JVM's pid in the name lets a later run remove what a killed run left behind
        String id = ProcessHandle.current().pid() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(4);
        int net = ThreadLocalRandom.current().nextInt(1, 255);
        Path dir = Files.createDirectories(logRoot.resolve(label + "-" + id));
        PxeLab lab = new PxeLab(id, net, dir);
        Runtime.getRuntime().addShutdownHook(lab.hook);
        try {
            lab.up();
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /**
     * Deletes lab namespaces whose creating JVM is gone (killed before its cleanup could run, e.g. by
     * a test timeout's SIGKILL). Labs of live JVMs, this one's included, are left alone.
     */
    private static void sweepOrphans() {
        try {
            for (String line : run(List.of("ip", "netns", "list"), Duration.ofSeconds(10)).lines().toList()) {
                Matcher m = OWNED.matcher(line.split(" ")[0]);
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).filter(ProcessHandle::isAlive).isEmpty()) {
                    killRemaining(m.group());
                    quietly("ip", "netns", "del", m.group());
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: an orphan only costs a namespace, never a collision (names are unique)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void up() throws IOException {
        run("ip", "netns", "add", siteNs);
        run("ip", "netns", "add", serverNs);
        run("ip", "-n", siteNs, "link", "set", "lo", "up");
        run("ip", "-n", serverNs, "link", "set", "lo", "up");
        // no STP and no forward delay: ports forward the moment they come up (the VM's first DHCP
        // packets would otherwise be dropped while the bridge "learns")
        run("ip", "-n", siteNs, "link", "add", BRIDGE, "type", "bridge", "forward_delay", "0", "stp_state", "0");
        run("ip", "-n", siteNs, "addr", "add", siteAddress() + "/24", "dev", BRIDGE);
        run("ip", "-n", siteNs, "addr", "add", "fd77:0:" + Integer.toHexString(net) + "::1/64", "dev", BRIDGE, "nodad");
        run("ip", "-n", siteNs, "tuntap", "add", "dev", TAP, "mode", "tap");
        run("ip", "-n", siteNs, "link", "set", TAP, "master", BRIDGE);
        run("ip", "-n", siteNs, "link", "add", "nrlink", "type", "veth", "peer", "name", SERVER_IF, "netns", serverNs);
        run("ip", "-n", siteNs, "link", "set", "nrlink", "master", BRIDGE);
        run("ip", "-n", serverNs, "addr", "add", serverAddress() + "/24", "dev", SERVER_IF);
        for (String link : List.of(TAP, "nrlink", BRIDGE)) run("ip", "-n", siteNs, "link", "set", link, "up");
        run("ip", "-n", serverNs, "link", "set", SERVER_IF, "up");
    }

    String siteNs() {
        return siteNs;
    }

    String serverNs() {
        return serverNs;
    }

    /** The site's bridge address (its DHCP server and router). */
    String siteAddress() {
        return "10.77." + net + ".1";
    }

    /** Where the PXE server lives, in the server namespace. */
    String serverAddress() {
        return "10.77." + net + ".2";
    }

    /** The site DHCP pool is {@code .100-.150} of this prefix (e.g. "10.77.42."). */
    String subnetPrefix() {
        return "10.77." + net + ".";
    }

    Path dir() {
        return dir;
    }

    Path siteLeases() {
        return siteLeases;
    }

    Path siteDhcpLog() {
        return siteDhcpLog;
    }

    /**
     * The site's ordinary DHCP server on the bridge: leases from .100-.150, no PXE options unless
     * {@code extraArgs} add some (e.g. {@code --dhcp-boot=pxelinux.0,,SERVER} for a site whose
     * next-server already points at a boot server), plus IPv6 router advertisements. Returns once
     * dnsmasq has opened its DHCP socket.
     */
    Process startSiteDhcp(List<String> extraArgs) throws IOException, InterruptedException {
        siteLeases = dir.resolve("site-dhcp.leases");
        List<String> cmd = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--pid-file",
                "--interface=" + BRIDGE, "--bind-interfaces",
                "--dhcp-range=" + subnetPrefix() + "100," + subnetPrefix() + "150,1h",
                "--enable-ra", "--dhcp-range=::,constructor:" + BRIDGE + ",ra-only",
                "--log-dhcp", "--log-facility=-", "--dhcp-leasefile=" + siteLeases));
        cmd.addAll(extraArgs);
        Process p = inSite("site-dhcp", cmd);
        siteDhcpLog = dir.resolve("site-dhcp.log");
        awaitLog(p, siteDhcpLog, "DHCP, IP range", Duration.ofSeconds(20));
        return p;
    }

    /** The address the site's DHCP server leased to {@code mac}, from its lease file. */
    Optional<String> leasedAddress(String mac) {
        // dnsmasq lease line: expiry MAC IP hostname client-id
        return read(siteLeases).lines().map(l -> l.split(" ")).filter(f -> f.length >= 3 && f[1].equalsIgnoreCase(mac))
                .map(f -> f[2]).findFirst();
    }

    /** tcpdump of every UDP packet on the bridge to {@code br0.pcap}, for diagnosing a failure. */
    void capture() throws IOException, InterruptedException {
        if (find("tcpdump").isEmpty()) return; // only a diagnostic aid
        Process p = inSite("tcpdump", List.of("tcpdump", "-i", BRIDGE, "-n", "-s0", "-U", "-w", dir.resolve("br0.pcap").toString(), "udp"));
        awaitLog(p, dir.resolve("tcpdump.log"), "listening on", Duration.ofSeconds(10));
    }

    Process inSite(String label, List<String> command) throws IOException {
        return start(siteNs, label, command, List.of());
    }

    Process inServer(String label, List<String> command, List<String> env) throws IOException {
        return start(serverNs, label, command, env);
    }

    /** Starts {@code command} inside {@code ns}; stdout and stderr go to {@code dir/label.log}. */
    private synchronized Process start(String ns, String label, List<String> command, List<String> env) throws IOException {
        if (closed) throw new IllegalStateException("lab " + id + " is closed");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve(label + ".log").toFile());
        for (String kv : env) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Process p = pb.start(); // `ip netns exec` execs the command: this is its pid, not a wrapper's
        processes.add(p);
        return p;
    }

    /** Runs a short command inside {@code ns} and returns its output; fails on a non-zero exit. */
    String execIn(String ns, Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return run(cmd, timeout);
    }

    /**
     * A BIOS VM with QEMU's iPXE ROM on the site's tap, booting from the network only. {@code -uuid}
     * and the MAC are fixed so the machine can be in the inventory before it powers on.
     */
    QemuVm startVm(String label, String mac, String uuid) throws IOException {
        return startVm(label, List.of("ip", "netns", "exec", siteNs, "qemu-system-x86_64",
                "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot", "-boot", "n", "-uuid", uuid,
                "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac));
    }

    /**
     * As {@link #startVm}, but the machine reboots instead of exiting (a reset is what a BMC does to
     * it) and QEMU's human monitor listens on the unix socket {@code monitor}, through which a test's
     * BMC presses the power and reset buttons.
     */
    QemuVm startVmWithMonitor(String label, String mac, String uuid, Path monitor) throws IOException {
        return startVm(label, List.of("ip", "netns", "exec", siteNs, "qemu-system-x86_64",
                "-accel", "tcg", "-m", "256", "-nographic", "-boot", "n", "-uuid", uuid,
                "-monitor", "unix:" + monitor + ",server=on,wait=off",
                "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac));
    }

    /**
     * A machine with a local disk: it netboots first (NIC bootindex 1) and, when netrescue answers
     * "local" (iPXE exits), its BIOS boots {@code disk} (bootindex 2), as a server set to PXE-then-disk
     * does. Reset keeps it running (a BMC's cycle); QEMU's monitor listens on {@code monitor}.
     */
    QemuVm startVmWithDisk(String label, String mac, String uuid, Path monitor, int memMiB, Path disk) throws IOException {
        return startVm(label, List.of("ip", "netns", "exec", siteNs, "qemu-system-x86_64",
                "-accel", "tcg", "-m", Integer.toString(memMiB), "-nographic", "-uuid", uuid,
                "-monitor", "unix:" + monitor + ",server=on,wait=off",
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-pci,drive=d0,bootindex=2",
                "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",bootindex=1"));
    }

    /**
     * An installed machine that boots from {@code disk} alone (its NIC has no boot ROM), on the site's
     * tap; reset keeps it running (a reboot comes back through the BIOS, its banner on the console).
     */
    QemuVm startVmFromDisk(String label, String mac, int memMiB, Path disk) throws IOException {
        return startVm(label, List.of("ip", "netns", "exec", siteNs, "qemu-system-x86_64",
                "-accel", "tcg", "-m", Integer.toString(memMiB), "-nographic",
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-pci,drive=d0,bootindex=1",
                "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",romfile="));
    }

    /** The VM's tap, on the site's side: down is a cut cable (or a dead switch port) for the guest, which keeps its carrier. */
    void tap(boolean up) throws IOException {
        run("ip", "-n", siteNs, "link", "set", TAP, up ? "up" : "down");
    }

    /**
     * As {@link #startVm}, but a UEFI machine: {@code firmware} (OVMF) as its BIOS, whose own PXE
     * client boots from the NIC (bootindex; there is no disk). The NIC gets no option ROM: QEMU's
     * would put iPXE's EFI driver in front of the firmware's own PXE. OVMF needs more memory than SeaBIOS.
     */
    QemuVm startUefiVm(String label, String mac, String uuid, Path firmware) throws IOException {
        return startVm(label, List.of("ip", "netns", "exec", siteNs, "qemu-system-x86_64",
                "-accel", "tcg", "-m", "512", "-nographic", "-no-reboot", "-bios", firmware.toString(), "-uuid", uuid,
                "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",bootindex=1,romfile="));
    }

    private QemuVm startVm(String label, List<String> cmd) throws IOException {
        synchronized (this) {
            if (closed) throw new IllegalStateException("lab " + id + " is closed");
            QemuVm vm = QemuVm.start(label, cmd, dir.resolve(label + ".serial"));
            vms.add(vm);
            return vm;
        }
    }

    /** Waits until {@code log} contains {@code text}; fails with the log if the process exits or time runs out. */
    static void awaitLog(Process p, Path log, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean alive = p.isAlive();
            String s = read(log);
            if (s.contains(text)) return;
            if (!alive) throw new IllegalStateException(p.info().command().orElse("process") + " exited with " + p.exitValue()
                    + " before logging '" + text + "':\n" + tail(s, 30));
            if (System.nanoTime() > deadline) throw new IllegalStateException("no '" + text + "' in " + log + " after "
                    + timeout.toSeconds() + " s:\n" + tail(s, 30));
            Thread.sleep(100);
        }
    }

    /** The lab's namespaces that still exist (empty after {@link #close}). */
    List<String> remainingNamespaces() throws IOException, InterruptedException {
        return run(List.of("ip", "netns", "list"), Duration.ofSeconds(10)).lines()
                .map(l -> l.split(" ")[0]).filter(n -> n.equals(siteNs) || n.equals(serverNs)).toList();
    }

    /** Processes this lab started that are still running (none after {@link #close}). */
    synchronized List<String> survivors() {
        return processes.stream().filter(Process::isAlive).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    @Override
    public void close() {
        List<Process> ps;
        List<QemuVm> vs;
        synchronized (this) {
            if (closed) return;
            closed = true;
            ps = List.copyOf(processes);
            vs = List.copyOf(vms);
        }
        for (QemuVm vm : vs) vm.close();
        for (Process p : ps.reversed()) stop(p);
        for (String ns : List.of(siteNs, serverNs)) {
            killRemaining(ns); // a process that escaped our handles must not keep the namespace alive
            quietly("ip", "netns", "del", ns);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // we are the hook
        }
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGKILL to every process still in the namespace: all of them were started by this lab. */
    private static void killRemaining(String ns) {
        try {
            String pids = run(List.of("ip", "netns", "pids", ns), Duration.ofSeconds(10));
            pids.lines().map(String::strip).filter(s -> !s.isEmpty()).forEach(pid ->
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException | RuntimeException e) {
            // the namespace does not exist (creation failed half-way): nothing runs in it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void quietly(String... cmd) {
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // cleanup is best effort; remainingNamespaces() lets tests check it worked
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(String... cmd) throws IOException {
        try {
            run(List.of(cmd), Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /** Runs a command to completion; its output, or an IOException with the output if it failed. */
    static String run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // read while it runs, so a full pipe cannot block it
        var out = new CompletableFuture<byte[]>();
        Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                out.complete(in.readAllBytes());
            } catch (IOException e) {
                out.complete(new byte[0]);
            }
        });
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", cmd));
        }
        String s;
        try {
            s = new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            s = "(output unavailable: " + e + ")";
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + s.strip());
        return s;
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(String text, int lines) {
        List<String> l = text.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    static Optional<Path> find(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, exe)).filter(Files::isExecutable).findFirst();
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "PXE lab " + id + " (" + siteNs + ", " + serverNs + ", " + subnetPrefix() + "0/24, logs in " + dir + ")";
    }
}
