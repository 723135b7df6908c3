package io.netrescue.store;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Engine-agnostic crash harness: drives the real server process only through its HTTP API and
 * {@code /boot.ipxe}, SIGKILLs it at a random moment, restarts it on the same data directory and
 * checks that nothing acknowledged was lost.
 *
 * <p>The model. Every host belongs to one writer (virtual thread) per cycle, and a writer's requests
 * are sequential, so each host's history is a sequence of operations whose outcome is known
 * (2xx received: acknowledged; 4xx: refused, nothing changed) or unknown (no answer: in flight at the
 * kill, or 5xx). A host's expected state after the restart is a set: one state when everything was
 * answered, two (before / after) when its last request was in flight; a host with an unanswered
 * request gets no further requests in that cycle. After each restart the harness compares every host
 * (exists?, MACs, boot mode with the mode a once returns to) and every acknowledged profile with the
 * server's answers, checks that the audit log is readable and holds the acknowledged changes' events,
 * and then takes the server's state as the model's for the next cycle.
 *
 * <p>Once modes: every once uses a profile of its own ({@code o-...}, kernel {@code kern-o-...}),
 * so a {@code /boot.ipxe} answer names the once it served; an answer with a once profile that was
 * already served by an earlier answer, in any cycle, is a double-served once. After a restart, a host
 * whose served once is pending again is asked to boot once more, to show the double serve.
 *
 * <p>Also a write-latency mode without kills ({@link #writeLatency}).
 */
public final class CrashHarness implements AutoCloseable {

    /** Settings; {@link #fromSystemProperties} reads {@code netrescue.crash.*}. */
    /**
     * Each cycle's kill comes {@code 0..randomMs} (uniformly) after the writers have had at least
     * {@code minAcked} writes and one /boot.ipxe answer acknowledged, and at least {@code minRunMs} have
     * passed: a random moment, but never before the cycle has something to lose, however slow the machine.
     * In a share {@code quietShare} of the cycles the writers stop first (every request answered) and
     * the kill comes {@code 0..quietMaxMs} later, on an idle server: a write acknowledged a second
     * before the kill (the red team's add-then-kill) rather than one among many in flight.
     */
    public record Options(int cycles, long budgetSeconds, int writers, long minRunMs, long randomMs, int minAcked,
                          double quietShare, long quietMaxMs, long seed, Path workDir, Path from, PrintStream out) {
        public static Options fromSystemProperties(Path workDir, PrintStream out) {
            long seed = Long.getLong("netrescue.crash.seed", System.nanoTime());
            String from = System.getProperty("netrescue.crash.from", "");
            return new Options(Integer.getInteger("netrescue.crash.cycles", 4), Long.getLong("netrescue.crash.seconds", 0),
                    Integer.getInteger("netrescue.crash.writers", 8),
                    Long.getLong("netrescue.crash.min-ms", 300), Long.getLong("netrescue.crash.random-ms", 1500),
                    Integer.getInteger("netrescue.crash.min-acked", 20),
                    Double.parseDouble(System.getProperty("netrescue.crash.quiet-share", "0.3")), Long.getLong("netrescue.crash.quiet-max-ms", 1500),
                    seed, workDir, from.isBlank() ? null : Path.of(from), out);
        }
    }

    // ---------------------------------------------------------------------------------------- model

    /** A boot state as the API shows it: kind, profile (null for local / default rescue), and a once's return mode. */
    record Mode(String kind, String profile, Mode then) {
        static final Mode LOCAL = new Mode("local", null, null);
        static final String RESCUE_PROFILE = "rescue";

        /** The profile a /boot.ipxe answer serves in this mode; null = local boot. */
        String serves() {
            return switch (kind) {
                case "local" -> null;
                case "rescue" -> profile == null ? RESCUE_PROFILE : profile;
                default -> profile;
            };
        }

        Mode afterServe() {
            return kind.equals("once") ? (then == null ? LOCAL : then) : this;
        }

        /** BootState.set without expiries: a once over a once keeps the original mode. */
        Mode set(Mode m) {
            if (!m.kind.equals("once")) return m;
            Mode back = kind.equals("once") ? (then == null ? LOCAL : then) : this;
            return new Mode("once", m.profile, back);
        }

        static Mode parse(JsonNode b) {
            if (b == null || b.isNull() || b.isMissingNode()) return null;
            JsonNode p = b.get("profile");
            return new Mode(b.get("mode").asString(),
                    p == null || p.isNull() ? null : p.asString(), parse(b.get("then")));
        }

        String json() {
            return profile == null ? "{\"mode\":\"" + kind + "\"}" : "{\"mode\":\"" + kind + "\",\"profile\":\"" + profile + "\"}";
        }

        @Override
        public String toString() {
            return kind + (profile == null ? "" : " " + profile) + (then == null ? "" : " then " + then);
        }
    }

    /** One possible state of a host: absent, or present with a boot mode. */
    record HostState(boolean exists, Mode mode) {
        static final HostState ABSENT = new HostState(false, null);

        @Override
        public String toString() {
            return exists ? "present, mode " + mode : "absent";
        }
    }

    static final class HostModel {
        final String name;
        final String mac;
        final List<String> macs;
        boolean adopted; // found in a copied data directory: verified, never written
        volatile int owner;
        /** The states the server may legitimately hold after a crash; one unless a request was in flight. */
        Set<HostState> allowed = new LinkedHashSet<>();
        /** The last acknowledged change (or the in-flight request), for messages. */
        String lastChange = "none";
        /** What the server showed after the previous restart (the model's starting point this cycle). */
        String verified = "not yet restarted";
        /** Cycle of {@link #lastChange}. */
        int lastChangeCycle;
        String inFlight;
        boolean retired; // a request without an answer: no more requests this cycle
        boolean confused; // an answer the model did not predict: accept what the server says after the restart
        int ackedBootModeEvents; // acknowledged PUT boot + acknowledged once serves, this cycle
        boolean ackedAdd;
        boolean ackedDelete;

        HostModel(String name, List<String> macs, HostState initial) {
            this.name = name;
            this.mac = macs.getFirst();
            this.macs = List.copyOf(macs);
            allowed.add(initial);
        }

        HostState state() {
            if (allowed.size() != 1) throw new IllegalStateException(name + " is uncertain: " + allowed);
            return allowed.iterator().next();
        }
    }

    // ------------------------------------------------------------------------------------- results

    /** What one kill-and-restart cycle showed. */
    public record CycleResult(int cycle, String kill, long runMs, int exitCode, Map<String, Integer> acked, int inFlight, int refused,
                              int oncesServed, long restartMs, List<String> lost, List<String> lostAudit, List<String> doubleServed,
                              List<String> anomalies, int eventsRead) {
        public int ackedWrites() {
            return acked.entrySet().stream().filter(e -> !e.getKey().equals("boot.ipxe")).mapToInt(Map.Entry::getValue).sum();
        }

        public String line() {
            return String.format(Locale.ROOT,
                    "cycle %3d: %-11s ran %5d ms, exit %d, acked %4d writes %s, in flight %d, refused %d, onces served %d, restart %5d ms, events %d, lost %d, lost audit events %d, double-served %d, anomalies %d",
                    cycle, kill, runMs, exitCode, ackedWrites(), acked, inFlight, refused, oncesServed, restartMs, eventsRead,
                    lost.size(), lostAudit.size(), doubleServed.size(), anomalies.size());
        }
    }

    /** The whole run. */
    public record Report(List<CycleResult> cycles, Map<String, long[]> latencyNanos, long seed) {
        public int acknowledged() {
            return cycles.stream().mapToInt(CycleResult::ackedWrites).sum();
        }

        public int oncesServed() {
            return cycles.stream().mapToInt(CycleResult::oncesServed).sum();
        }

        public List<String> lost() {
            return cycles.stream().flatMap(c -> c.lost().stream().map(l -> "cycle " + c.cycle() + ": " + l)).toList();
        }

        public List<String> lostAudit() {
            return cycles.stream().flatMap(c -> c.lostAudit().stream().map(l -> "cycle " + c.cycle() + ": " + l)).toList();
        }

        public List<String> doubleServed() {
            return cycles.stream().flatMap(c -> c.doubleServed().stream().map(l -> "cycle " + c.cycle() + ": " + l)).toList();
        }

        public List<String> anomalies() {
            return cycles.stream().flatMap(c -> c.anomalies().stream().map(l -> "cycle " + c.cycle() + ": " + l)).toList();
        }

        public String summary() {
            StringBuilder b = new StringBuilder();
            for (CycleResult c : cycles) b.append(c.line()).append('\n');
            b.append(String.format(Locale.ROOT,
                    "TOTAL: %d cycles, %d acknowledged writes (+%d acknowledged boot answers), %d in flight at kills, lost %d (in %d cycles), lost audit events %d, double-served onces %d, onces served %d, anomalies %d, seed %d%n",
                    cycles.size(), acknowledged(), cycles.stream().mapToInt(c -> c.acked().getOrDefault("boot.ipxe", 0)).sum(),
                    cycles.stream().mapToInt(CycleResult::inFlight).sum(), lost().size(), cycles.stream().filter(c -> !c.lost().isEmpty()).count(),
                    lostAudit().size(), doubleServed().size(), oncesServed(),
                    anomalies().size(), seed));
            b.append(latencyTable(latencyNanos));
            for (String l : lost()) b.append("LOST ").append(l).append('\n');
            for (String l : lostAudit()) b.append("LOST-AUDIT ").append(l).append('\n');
            for (String l : doubleServed()) b.append("DOUBLE-SERVED ").append(l).append('\n');
            for (String l : anomalies()) b.append("ANOMALY ").append(l).append('\n');
            return b.toString();
        }
    }

    static String latencyTable(Map<String, long[]> lat) {
        StringBuilder b = new StringBuilder("latency of acknowledged requests (ms):\n");
        b.append(String.format(Locale.ROOT, "  %-14s %8s %8s %8s %8s%n", "request", "count", "p50", "p99", "max"));
        for (var e : new TreeMap<>(lat).entrySet()) {
            long[] v = e.getValue().clone();
            if (v.length == 0) continue;
            java.util.Arrays.sort(v);
            b.append(String.format(Locale.ROOT, "  %-14s %8d %8.2f %8.2f %8.2f%n", e.getKey(), v.length, pct(v, 50) / 1e6, pct(v, 99) / 1e6, v[v.length - 1] / 1e6));
        }
        return b.toString();
    }

    static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    // ---------------------------------------------------------------------------------- the server

    /** One run of the real server process. */
    final class Server {
        final Process process;
        final int port;
        final Path log;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
        String token;

        Server(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        Reply call(String method, String path, String json) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
            if (token != null) b.header("Authorization", "Bearer " + token);
            if (json != null) b.header("Content-Type", "application/json");
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), System.nanoTime() - t0);
        }

        /** A request that must work (setup and verification). */
        Reply must(String method, String path, String json, int status) throws Exception {
            Reply r = call(method, path, json);
            if (r.status != status) throw new AssertionError(method + " " + path + " answered " + r.status + ": " + r.body + logTail());
            return r;
        }

        String logTail() {
            try {
                List<String> l = Files.readAllLines(log);
                return "\n--- server log (" + log + ") tail ---\n" + String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
            } catch (IOException e) {
                return "";
            }
        }

        /** SIGKILL; returns the exit code, which must be 137 (128 + SIGKILL). */
        int kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
            return process.exitValue();
        }
    }

    record Reply(int status, String body, long nanos) {}

    private final Options o;
    private final Path data;
    private final Random rnd;
    private final JsonMapper json = JsonMapper.builder().build();
    private final List<Server> started = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, HostModel> hosts = new ConcurrentHashMap<>();
    /** Profiles: name -> acknowledged (true) or in flight (false). */
    private final Map<String, Boolean> profiles = new ConcurrentHashMap<>();
    private final Set<String> ackedProfilesThisCycle = ConcurrentHashMap.newKeySet();
    /** once profile -> answers that served it, over all cycles. */
    private final Map<String, List<String>> onceServes = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> latency = new ConcurrentHashMap<>();
    private final AtomicLong macs = new AtomicLong();
    private long eventCursor;
    /**
     * Negative control (CrashHarnessTest): from this cycle on, the data directory is rolled back after
     * each kill to its copy from the previous kill, so the cycle's acknowledged writes are lost.
     */
    int sabotageFromCycle = Integer.MAX_VALUE;

    public CrashHarness(Options o) throws IOException {
        this.o = o;
        this.rnd = new Random(o.seed());
        Files.createDirectories(o.workDir());
        this.data = o.workDir().resolve("data");
    }

    Server start(String tag) throws Exception {
        for (int attempt = 0; ; attempt++) {
            int port = freePort();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                    "-cp", System.getProperty("java.class.path"), "io.netrescue.cli.Main", "serve",
                    "--data", data.toString(), "--listen", "127.0.0.1:" + port));
            Path log = o.workDir().resolve("serve-" + tag + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Server s = new Server(p, port, log);
            started.add(s);
            if (awaitHealthy(s)) {
                s.token = Files.readString(data.resolve("api-token")).strip();
                return s;
            }
            if (attempt >= 1) throw new AssertionError("the server did not start (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")" + s.logTail());
        }
    }

    private boolean awaitHealthy(Server s) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!s.process.isAlive()) return false;
            try {
                if (s.call("GET", "/api/v1/health", null).status == 200) return true;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        s.process.destroyForcibly().waitFor();
        throw new AssertionError("server not healthy within 90 s" + s.logTail());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        synchronized (started) {
            for (Server s : started) {
                if (s.process.isAlive()) {
                    s.process.destroyForcibly();
                    try {
                        s.process.waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------- crash cycles

    /** Runs the configured cycles; never throws for a lost write (the report lists them). */
    public Report run() throws Exception {
        o.out().printf("crash harness: %d cycles, %d writers, kill 0..%d ms after %d acked writes and >= %d ms, seed %d, dir %s%n",
                o.cycles(), o.writers(), o.randomMs(), o.minAcked(), o.minRunMs(), o.seed(), o.workDir());
        List<CycleResult> results = new ArrayList<>();
        if (o.from() != null) copyTree(o.from(), data);
        long began = System.nanoTime();
        Server s = start("0");
        current = s;
        if (o.from() != null) { // a copied data directory: its hosts and profiles are part of the model, but never written
            for (JsonNode p : json.readTree(s.must("GET", "/api/v1/profiles", null, 200).body)) profiles.put(p.get("name").asString(), true);
            for (JsonNode j : json.readTree(s.must("GET", "/api/v1/hosts", null, 200).body)) {
                List<String> m = new ArrayList<>();
                j.get("macs").forEach(x -> m.add(x.asString()));
                HostModel h = new HostModel(j.get("name").asString(), m, new HostState(true, Mode.parse(j.get("boot"))));
                h.adopted = true;
                h.lastChange = "found in " + o.from();
                hosts.put(h.name, h);
            }
            o.out().printf("adopted %d hosts and %d profiles from %s%n", hosts.size(), profiles.size(), o.from());
        }
        s.must("POST", "/api/v1/profiles", "{\"name\":\"rescue\",\"kernel\":\"kern-rescue\",\"replace\":true}", 201);
        s.must("POST", "/api/v1/profiles", "{\"name\":\"stable\",\"kernel\":\"kern-stable\",\"replace\":true}", 201);
        profiles.put("rescue", true);
        profiles.put("stable", true);
        for (int c = 1; c <= o.cycles(); c++) {
            if (o.budgetSeconds() > 0 && System.nanoTime() - began > o.budgetSeconds() * 1_000_000_000L) {
                o.out().printf("time budget of %d s used up after %d cycles%n", o.budgetSeconds(), c - 1);
                break;
            }
            CycleResult r = cycle(c, s);
            results.add(r);
            o.out().println(r.line());
            for (String l : r.lost()) o.out().println("  LOST " + l);
            for (String l : r.lostAudit()) o.out().println("  LOST-AUDIT " + l);
            for (String l : r.doubleServed()) o.out().println("  DOUBLE-SERVED " + l);
            for (String l : r.anomalies()) o.out().println("  ANOMALY " + l);
            s = current;
            if (s == null) break;
        }
        if (current != null) {
            current.process.destroy();
            current.process.waitFor();
        }
        Map<String, long[]> lat = new TreeMap<>();
        latency.forEach((k, v) -> lat.put(k, v.stream().mapToLong(Long::longValue).toArray()));
        lat.put("writes (all)", lat.entrySet().stream().filter(e -> !e.getKey().equals("boot.ipxe"))
                .flatMapToLong(e -> java.util.Arrays.stream(e.getValue())).toArray());
        return new Report(results, lat, o.seed());
    }

    private Server current;
    private int verifyingCycle;

    private CycleResult cycle(int c, Server s) throws Exception {
        // Per-cycle bookkeeping: ownership, counters, the event cursor.
        List<List<HostModel>> owned = new ArrayList<>();
        for (int w = 0; w < o.writers(); w++) owned.add(new ArrayList<>());
        int k = 0;
        for (HostModel h : new TreeMap<>(hosts).values()) {
            h.retired = false;
            h.confused = false;
            h.inFlight = null;
            h.ackedBootModeEvents = 0;
            h.ackedAdd = false;
            h.ackedDelete = false;
            if (h.state().exists() && !h.adopted) {
                h.owner = k++ % o.writers();
                owned.get(h.owner).add(h);
            }
        }
        ackedProfilesThisCycle.clear();
        JsonNode last = json.readTree(s.must("GET", "/api/v1/events?limit=1", null, 200).body);
        eventCursor = last.isEmpty() ? 0 : last.get(0).get("id").asLong();

        Map<String, AtomicLong> acked = new ConcurrentHashMap<>();
        AtomicLong inFlight = new AtomicLong(), refused = new AtomicLong(), served = new AtomicLong();
        List<String> anomalies = Collections.synchronizedList(new ArrayList<>());
        List<String> doubles = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        long extraMs = (long) (rnd.nextDouble() * o.randomMs());
        boolean quiet = rnd.nextDouble() < o.quietShare();
        long quietMs = (long) (rnd.nextDouble() * o.quietMaxMs());
        String how = quiet ? "quiet " + quietMs + "ms" : "under load";
        long[] seeds = new long[o.writers()];
        for (int w = 0; w < seeds.length; w++) seeds[w] = rnd.nextLong();

        int exit;
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < o.writers(); w++) {
                Writer wr = new Writer(c, w, s, owned.get(w), new Random(seeds[w]), stop, acked, inFlight, refused, served, anomalies, doubles);
                fs.add(ex.submit(() -> {
                    wr.run();
                    return null;
                }));
            }
            long gate = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < gate && (System.nanoTime() - t0 < o.minRunMs() * 1_000_000
                    || acked.values().stream().mapToLong(AtomicLong::get).sum() - acked.getOrDefault("boot.ipxe", new AtomicLong()).get() < o.minAcked()
                    || acked.getOrDefault("boot.ipxe", new AtomicLong()).get() < 1)) {
                Thread.sleep(10);
            }
            Thread.sleep(extraMs);
            stop.set(true); // no new requests; those under way stay in flight
            if (quiet) {
                for (Future<?> f : fs) f.get(); // every request answered
                Thread.sleep(quietMs);
            }
            exit = s.kill(); // SIGKILL at a random moment
            for (Future<?> f : fs) f.get();
        }
        s.http.shutdownNow();
        long ran = (System.nanoTime() - t0) / 1_000_000;

        Path saved = o.workDir().resolve("data-after-kill");
        if (c >= sabotageFromCycle && Files.exists(saved)) {
            deleteTree(data);
            copyTree(saved, data);
            o.out().println("SABOTAGE: data directory rolled back to its copy after the previous kill");
        }
        if (c + 1 >= sabotageFromCycle) {
            deleteTree(saved);
            copyTree(data, saved);
        }
        long r0 = System.nanoTime();
        List<String> lost = new ArrayList<>();
        List<String> lostAudit = new ArrayList<>();
        int events = 0;
        long restartMs = -1;
        verifyingCycle = c;
        try {
            Server n = start(String.valueOf(c));
            restartMs = (System.nanoTime() - r0) / 1_000_000;
            current = n;
            events = verify(n, lost, lostAudit, anomalies, doubles);
        } catch (AssertionError e) { // the store does not open again: everything is lost; the run ends here
            current = null;
            Path evidence = Path.of(System.getProperty("netrescue.crash.evidence", "target/crash-evidence"))
                    .resolve("seed" + o.seed() + "-cycle" + c).toAbsolutePath();
            try {
                copyTree(o.workDir(), evidence);
            } catch (IOException copy) {
                evidence = null;
            }
            lost.add("the server did not restart on the data directory after the kill (the run stops here; data directory and logs copied to "
                    + evidence + "): " + e.getMessage());
        }
        Map<String, Integer> ackedCounts = new TreeMap<>();
        acked.forEach((key, v) -> ackedCounts.put(key, (int) v.get()));
        if (exit != 137) anomalies.add("the server's exit code after destroyForcibly was " + exit + ", not 137 (SIGKILL)");
        return new CycleResult(c, how, ran, exit, ackedCounts, (int) inFlight.get(), (int) refused.get(), (int) served.get(), restartMs,
                lost, lostAudit, List.copyOf(doubles), List.copyOf(anomalies), events);
    }

    private static final Pattern SERVED = Pattern.compile("/assets/kern-([a-z0-9._-]+)");

    /** The profile a boot script serves (null for a local boot); kernels are named kern-PROFILE. */
    static String servedProfile(String script) {
        Matcher m = SERVED.matcher(script);
        if (m.find()) return m.group(1);
        if (script.contains("\nkernel ")) return "?unparsed";
        return null;
    }

    /** One writer: a sequence of requests on its own hosts until the kill. */
    final class Writer {
        final int cycle, id;
        final Server s;
        final List<HostModel> mine;
        final Random r;
        final AtomicBoolean stop;
        final Map<String, AtomicLong> acked;
        final AtomicLong inFlight, refused, served;
        final List<String> anomalies, doubles;
        int seq;

        Writer(int cycle, int id, Server s, List<HostModel> mine, Random r, AtomicBoolean stop, Map<String, AtomicLong> acked,
               AtomicLong inFlight, AtomicLong refused, AtomicLong served, List<String> anomalies, List<String> doubles) {
            this.cycle = cycle;
            this.id = id;
            this.s = s;
            this.mine = mine;
            this.r = r;
            this.stop = stop;
            this.acked = acked;
            this.inFlight = inFlight;
            this.refused = refused;
            this.served = served;
            this.anomalies = anomalies;
            this.doubles = doubles;
        }

        /** The outcome of one request: the reply, or null when no answer came (in flight at the kill). */
        Reply send(String type, String method, String path, String body) {
            try {
                Reply rep = s.call(method, path, body);
                if (rep.status / 100 == 2) {
                    acked.computeIfAbsent(type, x -> new AtomicLong()).incrementAndGet();
                    latency.computeIfAbsent(type, x -> Collections.synchronizedList(new ArrayList<>())).add(rep.nanos);
                    return rep;
                }
                if (rep.status / 100 == 4) {
                    refused.incrementAndGet();
                    anomalies.add(method + " " + path + " " + Objects.toString(body, "") + " refused: " + rep.status + " " + rep.body.strip());
                    return rep;
                }
                inFlight.incrementAndGet(); // 5xx: may or may not have happened
                if (!stop.get()) anomalies.add(method + " " + path + " answered " + rep.status + " " + rep.body.strip());
                return null;
            } catch (IOException e) {
                inFlight.incrementAndGet();
                if (!stop.get() && s.process.isAlive()) anomalies.add(method + " " + path + " failed while the server was up: " + e);
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                inFlight.incrementAndGet();
                return null;
            }
        }

        void run() {
            while (!stop.get()) {
                List<HostModel> live = mine.stream().filter(h -> !h.retired && h.state().exists()).toList();
                double x = r.nextDouble();
                if (live.size() < 3 || x < 0.22) add();
                else if (x < 0.55) setBoot(live.get(r.nextInt(live.size())));
                else if (x < 0.93) boot(pickForBoot(live));
                else if (live.size() > 6) delete(live.get(r.nextInt(live.size())));
            }
        }

        HostModel pickForBoot(List<HostModel> live) {
            if (r.nextDouble() < 0.7) {
                List<HostModel> onces = live.stream().filter(h -> h.state().mode().kind().equals("once")).toList();
                if (!onces.isEmpty()) return onces.get(r.nextInt(onces.size()));
            }
            return live.get(r.nextInt(live.size()));
        }

        void add() {
            String name = "h-c" + cycle + "-w" + id + "-" + seq++;
            long n = macs.incrementAndGet();
            String mac = String.format("02:4e:%02x:%02x:%02x:%02x", (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
            HostModel h = new HostModel(name, List.of(mac), HostState.ABSENT);
            h.owner = id;
            hosts.put(name, h);
            mine.add(h);
            Reply rep = send("host.add", "POST", "/api/v1/hosts", "{\"name\":\"" + name + "\",\"macs\":[\"" + mac + "\"]}");
            HostState after = new HostState(true, Mode.LOCAL);
            if (rep == null) {
                h.allowed.add(after);
                h.inFlight = "add (in flight at the kill)";
                h.retired = true;
            } else if (rep.status / 100 == 2) {
                h.allowed = new LinkedHashSet<>(Set.of(after));
                h.lastChange = "add acknowledged " + rep.status;
                h.lastChangeCycle = cycle;
                h.ackedAdd = true;
            }
        }

        void delete(HostModel h) {
            HostState before = h.state();
            Reply rep = send("host.delete", "DELETE", "/api/v1/hosts/" + h.name, null);
            if (rep == null) {
                h.allowed.add(HostState.ABSENT);
                h.inFlight = "delete (in flight at the kill)";
                h.retired = true;
            } else if (rep.status / 100 == 2) {
                h.allowed = new LinkedHashSet<>(Set.of(HostState.ABSENT));
                h.lastChange = "delete acknowledged " + rep.status + " (mode was " + before.mode() + ")";
                h.lastChangeCycle = cycle;
                h.ackedDelete = true;
            }
        }

        void setBoot(HostModel h) {
            double x = r.nextDouble();
            Mode m;
            if (x < 0.2) m = Mode.LOCAL;
            else if (x < 0.35) m = new Mode("rescue", null, null);
            else if (x < 0.5) m = new Mode("profile", "stable", null);
            else {
                String p = "o-c" + cycle + "-w" + id + "-" + seq++;
                profiles.put(p, false);
                Reply rep = send("profile.add", "POST", "/api/v1/profiles", "{\"name\":\"" + p + "\",\"kernel\":\"kern-" + p + "\"}");
                if (rep == null || rep.status / 100 != 2) return; // in flight or refused: not usable
                profiles.put(p, true);
                ackedProfilesThisCycle.add(p);
                m = new Mode("once", p, null);
            }
            HostState before = h.state();
            HostState after = new HostState(true, before.mode().set(m));
            Reply rep = send("boot.set", "PUT", "/api/v1/hosts/" + h.name + "/boot", m.json());
            if (rep == null) {
                h.allowed.add(after);
                h.inFlight = "set boot " + m + " (in flight at the kill)";
                h.retired = true;
            } else if (rep.status / 100 == 2) {
                h.allowed = new LinkedHashSet<>(Set.of(after));
                h.lastChange = "set boot " + m + " acknowledged " + rep.status;
                h.lastChangeCycle = cycle;
                h.ackedBootModeEvents++;
                Mode answered = Mode.parse(json.readTree(rep.body));
                if (!after.mode().equals(answered)) {
                    anomalies.add(h.name + ": PUT boot " + m + " answered " + answered + ", model expected " + after.mode());
                    h.confused = true;
                    h.retired = true;
                }
            }
        }

        void boot(HostModel h) {
            HostState before = h.state();
            String expect = before.mode().serves();
            Reply rep = send("boot.ipxe", "GET", "/boot.ipxe?mac=" + h.mac + "&ip=127.0.0.1", null);
            if (rep == null) {
                h.allowed.add(new HostState(true, before.mode().afterServe()));
                h.inFlight = "boot.ipxe in mode " + before.mode() + " (in flight at the kill)";
                h.retired = true;
                return;
            }
            if (rep.status != 200) return;
            String got = servedProfile(rep.body);
            if (got != null && got.startsWith("o-")) {
                served.incrementAndGet();
                List<String> prior = onceServes.computeIfAbsent(got, x -> Collections.synchronizedList(new ArrayList<>()));
                prior.add("cycle " + cycle + " " + h.name);
                if (prior.size() > 1) doubles.add("once " + got + " served again to " + h.name + " (served before: " + prior.subList(0, prior.size() - 1) + ")");
            }
            if (!Objects.equals(expect, got)) {
                anomalies.add(h.name + ": /boot.ipxe served " + (got == null ? "local" : got) + " but the model's mode is " + before.mode()
                        + " (last change: " + h.lastChange + ")");
                h.confused = true;
                h.retired = true;
                return;
            }
            if (before.mode().kind().equals("once")) {
                h.allowed = new LinkedHashSet<>(Set.of(new HostState(true, before.mode().afterServe())));
                h.lastChange = "once " + got + " served by /boot.ipxe (acknowledged answer)";
                h.lastChangeCycle = cycle;
                h.ackedBootModeEvents++;
            }
        }
    }

    /** After the restart: compare everything with the model, read the audit log, resync the model. */
    private int verify(Server n, List<String> lost, List<String> lostAudit, List<String> anomalies, List<String> doubles) throws Exception {
        Map<String, JsonNode> seen = new HashMap<>();
        for (JsonNode h : json.readTree(n.must("GET", "/api/v1/hosts", null, 200).body)) seen.put(h.get("name").asString(), h);
        for (HostModel h : new TreeMap<>(hosts).values()) {
            JsonNode j = seen.remove(h.name);
            HostState obs = j == null ? HostState.ABSENT : new HostState(true, Mode.parse(j.get("boot")));
            if (j != null) {
                List<String> m = new ArrayList<>();
                j.get("macs").forEach(x -> m.add(x.asString()));
                if (!m.equals(h.macs)) lost.add(h.name + ": present with MACs " + m + ", added with " + h.macs + " (not all-or-nothing)");
            }
            if (!h.confused && !h.allowed.contains(obs)) {
                if (h.inFlight == null) {
                    lost.add(h.name + ": expected " + h.state() + " after the last acknowledged change (cycle " + h.lastChangeCycle + ": "
                            + h.lastChange + "), found " + obs + "; after the previous restart it was " + h.verified);
                } else {
                    lost.add(h.name + ": " + h.inFlight + " after cycle " + h.lastChangeCycle + ": " + h.lastChange + ": expected one of "
                            + h.allowed + ", found " + obs + "; after the previous restart it was " + h.verified
                            + " (neither before nor after)");
                }
            }
            // A once whose serving was acknowledged but is pending again would be served twice: show it.
            if (obs.exists() && obs.mode().kind().equals("once") && onceServes.containsKey(obs.mode().profile())) {
                Reply r = n.call("GET", "/boot.ipxe?mac=" + h.mac + "&ip=127.0.0.1", null);
                String got = servedProfile(r.body);
                if (obs.mode().profile().equals(got)) {
                    List<String> prior = onceServes.get(got);
                    prior.add("verification after cycle restart " + h.name);
                    doubles.add("once " + got + " served again to " + h.name + " after the restart (served before: "
                            + prior.subList(0, prior.size() - 1) + ")");
                    obs = new HostState(true, obs.mode().afterServe());
                }
            }
            h.allowed = new LinkedHashSet<>(Set.of(obs));
            h.verified = obs + " (restart after cycle " + verifyingCycle + ")";
        }
        for (String phantom : seen.keySet()) anomalies.add("host " + phantom + " exists but was never added");

        Set<String> have = new java.util.HashSet<>();
        for (JsonNode p : json.readTree(n.must("GET", "/api/v1/profiles", null, 200).body)) have.add(p.get("name").asString());
        for (var e : new TreeMap<>(profiles).entrySet()) {
            if (e.getValue() && !have.contains(e.getKey())) lost.add("profile " + e.getKey() + ": acknowledged (201) but missing");
            if (have.contains(e.getKey())) profiles.put(e.getKey(), true);
            else profiles.remove(e.getKey()); // the server's state is the model's from here on
        }

        // The audit log: readable, and holding the events of every acknowledged change of this cycle.
        Reply ev = n.call("GET", "/api/v1/events?limit=10000&after=" + eventCursor, null);
        if (ev.status != 200) {
            anomalies.add("GET /api/v1/events answered " + ev.status + ": " + ev.body);
            return 0;
        }
        JsonNode list = json.readTree(ev.body);
        if (list.size() >= 10000) anomalies.add("more than 10000 events in one cycle: the audit check saw only the last 10000");
        Map<String, Map<String, Integer>> kinds = new HashMap<>();
        Set<String> savedProfiles = new java.util.HashSet<>();
        for (JsonNode e : list) {
            JsonNode host = e.get("host");
            String key = host == null || host.isNull() ? "" : host.asString();
            kinds.computeIfAbsent(key, x -> new HashMap<>()).merge(e.get("kind").asString(), 1, Integer::sum);
            if (e.get("kind").asString().equals("profile.saved") && e.hasNonNull("reason")) {
                Matcher m = Pattern.compile("^profile ([^:]+):").matcher(e.get("reason").asString());
                if (m.find()) savedProfiles.add(m.group(1));
            }
        }
        for (HostModel h : new TreeMap<>(hosts).values()) {
            Map<String, Integer> k = kinds.getOrDefault(h.name, Map.of());
            if (h.ackedAdd && k.getOrDefault("host.added", 0) < 1) lostAudit.add(h.name + ": audit event host.added of an acknowledged add is missing");
            if (h.ackedDelete && k.getOrDefault("host.removed", 0) < 1) lostAudit.add(h.name + ": audit event host.removed of an acknowledged delete is missing");
            if (!h.ackedDelete && k.getOrDefault("boot.mode", 0) < h.ackedBootModeEvents) {
                lostAudit.add(h.name + ": " + h.ackedBootModeEvents + " acknowledged boot mode changes (sets and served onces) but "
                        + k.getOrDefault("boot.mode", 0) + " boot.mode events");
            }
        }
        for (String p : new java.util.TreeSet<>(ackedProfilesThisCycle)) {
            if (!savedProfiles.contains(p)) lostAudit.add("profile " + p + ": audit event profile.saved of an acknowledged add is missing");
        }
        return list.size();
    }

    // ------------------------------------------------------------------------------ write latency

    /** Result of one latency run: per request type, the acknowledged latencies in nanoseconds. */
    public record LatencyRun(int writers, double seconds, Map<String, long[]> nanos, int errors) {
        public String table() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "writers %d, %.1f s measured, %d errors%n", writers, seconds, errors));
            b.append(String.format(Locale.ROOT, "  %-10s %8s %9s %8s %8s %8s%n", "change", "count", "per s", "p50 ms", "p99 ms", "max ms"));
            for (var e : new TreeMap<>(nanos).entrySet()) {
                long[] v = e.getValue().clone();
                if (v.length == 0) continue;
                java.util.Arrays.sort(v);
                b.append(String.format(Locale.ROOT, "  %-10s %8d %9.1f %8.2f %8.2f %8.2f%n", e.getKey(), v.length, v.length / seconds,
                        pct(v, 50) / 1e6, pct(v, 99) / 1e6, v[v.length - 1] / 1e6));
            }
            return b.toString();
        }
    }

    /**
     * No kills: {@code writers} virtual threads alternate host adds and boot mode sets (local, rescue,
     * profile, once) on their own hosts against a fresh server; only acknowledged changes after the
     * warm-up are counted.
     */
    public LatencyRun writeLatency(int writers, Duration warmup, Duration measure) throws Exception {
        Server s = start("latency-w" + writers);
        try {
            s.must("POST", "/api/v1/profiles", "{\"name\":\"rescue\",\"kernel\":\"kern-rescue\"}", 201);
            s.must("POST", "/api/v1/profiles", "{\"name\":\"stable\",\"kernel\":\"kern-stable\"}", 201);
            Map<String, List<Long>> lat = new ConcurrentHashMap<>();
            AtomicLong errors = new AtomicLong();
            AtomicBoolean measuring = new AtomicBoolean(), stop = new AtomicBoolean();
            List<Mode> modes = List.of(Mode.LOCAL, new Mode("rescue", null, null), new Mode("profile", "stable", null), new Mode("once", "stable", null));
            long[] seeds = new long[writers];
            for (int w = 0; w < writers; w++) seeds[w] = rnd.nextLong();
            long t0;
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int id = w;
                    fs.add(ex.submit(() -> {
                        Random r = new Random(seeds[id]);
                        List<String> mine = new ArrayList<>();
                        int i = 0;
                        while (!stop.get()) {
                            String type, method, path, body;
                            if (mine.size() < 4 || r.nextBoolean()) {
                                String name = "l-w" + id + "-" + i++;
                                long n = macs.incrementAndGet();
                                type = "host.add";
                                method = "POST";
                                path = "/api/v1/hosts";
                                body = "{\"name\":\"" + name + "\",\"macs\":[\"" + String.format("02:01:%02x:%02x:%02x:%02x",
                                        (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255) + "\"]}";
                                mine.add(name);
                            } else {
                                type = "boot.set";
                                method = "PUT";
                                path = "/api/v1/hosts/" + mine.get(r.nextInt(mine.size())) + "/boot";
                                body = modes.get(r.nextInt(modes.size())).json();
                            }
                            Reply rep = s.call(method, path, body);
                            if (rep.status / 100 != 2) {
                                errors.incrementAndGet();
                                if (type.equals("host.add")) mine.removeLast();
                            } else if (measuring.get()) {
                                lat.computeIfAbsent(type, x -> Collections.synchronizedList(new ArrayList<>())).add(rep.nanos);
                            }
                        }
                        return null;
                    }));
                }
                Thread.sleep(warmup.toMillis());
                measuring.set(true);
                t0 = System.nanoTime();
                Thread.sleep(measure.toMillis());
                measuring.set(false);
                stop.set(true);
                for (Future<?> f : fs) f.get();
            }
            double secs = Math.max(measure.toMillis() / 1000.0, 1e-9);
            Map<String, long[]> out = new TreeMap<>();
            lat.forEach((k, v) -> out.put(k, v.stream().mapToLong(Long::longValue).toArray()));
            long[] all = out.values().stream().flatMapToLong(java.util.Arrays::stream).toArray();
            out.put("all", all);
            return new LatencyRun(writers, secs, out, (int) errors.get());
        } finally {
            s.process.destroy();
            s.process.waitFor();
            deleteTree(data);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var w = Files.walk(from)) {
            for (Path x : w.toList()) {
                Path t = to.resolve(from.relativize(x).toString());
                if (Files.isDirectory(x, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(t);
                else if (Files.isSymbolicLink(x)) Files.createSymbolicLink(t, Files.readSymbolicLink(x));
                else Files.copy(x, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var w = Files.walk(p)) {
            for (Path x : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
