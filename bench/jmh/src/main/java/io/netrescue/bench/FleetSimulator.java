package io.netrescue.bench;

import io.netrescue.secrets.MasterKey;
import io.netrescue.sysrq.HostKeys;
import io.netrescue.watchdog.Heartbeat;
import io.netrescue.watchdog.HeartbeatCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet of N agents in one process, for bench/fleet.sh: adds N hosts through the API, then sends
 * each host's signed heartbeat every interval (spread evenly over it, as N independent agents
 * would be), dropping a given fraction at random (packet loss). After a steady period it stops K
 * hosts ("dead") and measures, from the server's timeline, how long after each one's last heartbeat
 * it became suspect and down, and how many hosts that never stopped were suspected (false).
 *
 * <pre>
 * FleetSimulator URL DATA_DIR TOKEN N INTERVAL_MS LOSS STEADY_S KILL HEARTBEAT_PORT
 * </pre>
 */
public final class FleetSimulator {
    static final Pattern EVENT = Pattern.compile("\\{\"id\":(\\d+),\"at\":\"([^\"]+)\",\"host\":\"([^\"]+)\",\"kind\":\"(health\\.(?:suspect|down))\"");

    public static void main(String[] a) throws Exception {
        URI url = URI.create(a[0]);
        Path data = Path.of(a[1]);
        String token = a[2];
        int n = Integer.parseInt(a[3]);
        int intervalMs = Integer.parseInt(a[4]);
        double loss = Double.parseDouble(a[5]);
        int steadyS = Integer.parseInt(a[6]);
        int kill = Integer.parseInt(a[7]);
        int port = Integer.parseInt(a[8]);
        long serverPid = a.length > 9 ? Long.parseLong(a[9]) : -1;
        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();

        long t0 = System.nanoTime();
        addHosts(http, url, token, n);
        System.out.printf("hosts: %d added in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);

        byte[] master = MasterKey.loadOrCreate(data).bytes();
        // each host's key has a salt of its own (v2 derivation): read them as the server stored them
        java.util.Map<String, String> salts = new java.util.HashMap<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("netrescue.db").toAbsolutePath());
             var rs = c.createStatement().executeQuery("SELECT name, key_salt FROM hosts")) {
            while (rs.next()) if (rs.getString(2) != null) salts.put(rs.getString(1), rs.getString(2));
        }
        String[] names = new String[n];
        byte[][] keys = new byte[n][];
        UUID[] boots = new UUID[n];
        for (int i = 0; i < n; i++) {
            names[i] = name(i);
            keys[i] = HostKeys.derive(master, names[i], java.util.Optional.ofNullable(salts.get(names[i])));
            boots[i] = UUID.randomUUID();
        }
        long[] seq = new long[n];
        long[] lastSent = new long[n];
        boolean[] dead = new boolean[n];
        DatagramChannel ch = DatagramChannel.open();
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        ByteBuffer buf = ByteBuffer.allocate(HeartbeatCodec.MAX_DATAGRAM);
        SplittableRandom rnd = new SplittableRandom(42);
        long sent = 0, dropped = 0;

        long start = System.currentTimeMillis();
        long steadyEnd = start + steadyS * 1000L;
        long killAt = steadyEnd;
        long end = killAt + 30_000;
        boolean killed = false;
        Thread steadyThread = null;
        long[] steadyStart = new long[3];
        long slotNanos = intervalMs * 1_000_000L / n; // host i sends at i * slot within each interval
        long base = System.nanoTime();
        long round = 0;
        int behindMax = 0;
        while (System.currentTimeMillis() < end) {
            for (int i = 0; i < n; i++) {
                long due = base + round * intervalMs * 1_000_000L + i * slotNanos;
                long wait = due - System.nanoTime();
                if (wait > 200_000) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                else if (wait < -intervalMs * 1_000_000L / 2) behindMax = Math.max(behindMax, (int) (-wait / 1_000_000));
                if (dead[i]) continue;
                long now = System.currentTimeMillis();
                if (rnd.nextDouble() < loss) {
                    dropped++;
                    continue;
                }
                seq[i]++;
                HeartbeatCodec.encode(new Heartbeat(names[i], boots[i], seq[i], now, now - start, 100, "6.1.0-fleet"), keys[i], buf);
                ch.write(buf);
                lastSent[i] = now;
                sent++;
            }
            round++;
            long now = System.currentTimeMillis();
            if (steadyThread == null && now > start + Math.min(steadyS * 1000L / 3, 60_000)) {
                // judge false suspicions from here on: the first heartbeats have been seen. The API calls
                // run beside the send loop: a sender that stalls would be a dead fleet, not a slow server
                steadyThread = Thread.ofVirtual().start(() -> {
                    try {
                        steadyStart[0] = lastEventId(http, url, token);
                        steadyStart[1] = cpuTicks(serverPid);
                        steadyStart[2] = System.nanoTime();
                        System.out.printf("steady window starts (event id %d): %s%n", steadyStart[0], summary(http, url, token));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            if (!killed && now >= killAt) {
                for (int k = 0; k < kill; k++) dead[(int) ((long) k * n / kill)] = true;
                killed = true;
                System.out.printf("killed %d hosts at %s; sent %d heartbeats, dropped %d (%.2f%%), sender behind by at most %d ms%n",
                        kill, Instant.ofEpochMilli(now), sent, dropped, 100.0 * dropped / Math.max(1, sent + dropped), behindMax);
                steadyThread.join();
                long cpuEnd = cpuTicks(serverPid), wallEnd = System.nanoTime();
                Thread.ofVirtual().start(() -> {
                    try {
                        System.out.println("before the kill: " + summary(http, url, token));
                        if (serverPid > 0) {
                            double secs = (wallEnd - steadyStart[2]) / 1e9;
                            double cpu = (cpuEnd - steadyStart[1]) / 100.0 / secs * 100;
                            long rss = rssKb(serverPid);
                            System.out.printf("SERVER cpu=%.1f%% of one core over %.0f s (%.2f%% per 10k hosts), rss=%d MiB%n",
                                    cpu, secs, cpu / (n / 10_000.0), rss / 1024);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
        // results: suspect/down events after the steady window started
        Map<String, Instant> suspect = new HashMap<>(), down = new HashMap<>();
        int falseSuspicions = 0;
        List<String> falseHosts = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(names[i], i);
        long after = steadyStart[0];
        while (true) {
            String body = get(http, url, token, "/api/v1/events?limit=10000&after=" + after);
            Matcher m = EVENT.matcher(body);
            int count = 0;
            while (m.find()) {
                count++;
                after = Math.max(after, Long.parseLong(m.group(1)));
                String host = m.group(3);
                Integer i = index.get(host);
                if (i == null) continue;
                Instant at = Instant.parse(m.group(2));
                if (m.group(4).equals("health.suspect")) {
                    if (dead[i]) suspect.putIfAbsent(host, at);
                    else {
                        falseSuspicions++;
                        if (falseHosts.size() < 5) falseHosts.add(host + "@" + at);
                    }
                } else if (dead[i]) {
                    down.putIfAbsent(host, at);
                }
            }
            // the regex only counts health events; page on by the ids of all events
            long maxId = maxId(body);
            if (maxId <= after && count == 0) break;
            after = Math.max(after, maxId);
            if (body.length() < 100) break;
        }
        List<Long> toSuspect = new ArrayList<>(), toDown = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!dead[i]) continue;
            Instant s = suspect.get(names[i]), d = down.get(names[i]);
            if (s != null) toSuspect.add(s.toEpochMilli() - lastSent[i]);
            if (d != null) toDown.add(d.toEpochMilli() - lastSent[i]);
        }
        toSuspect.sort(null);
        toDown.sort(null);
        System.out.printf("RESULT n=%d interval=%dms loss=%.2f%% sent=%d dead=%d suspected=%d down=%d "
                        + "suspect_ms(min/median/max)=%s down_ms(min/median/max)=%s false_suspicions=%d %s%n",
                n, intervalMs, loss * 100, sent, kill, toSuspect.size(), toDown.size(), stats(toSuspect), stats(toDown), falseSuspicions,
                falseHosts.isEmpty() ? "" : "e.g. " + falseHosts);
        System.out.println("after: " + summary(http, url, token));
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long cpuTicks(long pid) throws Exception {
        if (pid <= 0) return 0;
        String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    static String stats(List<Long> v) {
        if (v.isEmpty()) return "-";
        return v.getFirst() + "/" + v.get(v.size() / 2) + "/" + v.getLast();
    }

    static long maxId(String body) {
        Matcher m = Pattern.compile("\\{\"id\":(\\d+)").matcher(body);
        long max = -1;
        while (m.find()) max = Math.max(max, Long.parseLong(m.group(1)));
        return max;
    }

    static long lastEventId(HttpClient http, URI url, String token) throws Exception {
        return Math.max(0, maxId(get(http, url, token, "/api/v1/events?limit=1")));
    }

    static String summary(HttpClient http, URI url, String token) throws Exception {
        return get(http, url, token, "/api/v1/watchdog/summary").strip();
    }

    static String name(int i) {
        return String.format("fleet%06d", i);
    }

    static void addHosts(HttpClient http, URI url, String token, int n) throws Exception {
        Semaphore slots = new Semaphore(32);
        AtomicInteger failed = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            int x = i;
            ts.add(Thread.ofVirtual().start(() -> {
                try {
                    String mac = String.format("02:00:%02x:%02x:%02x:%02x", (x >> 24) & 255, (x >> 16) & 255, (x >> 8) & 255, x & 255);
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve("/api/v1/hosts"))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name(x) + "\",\"macs\":[\"" + mac + "\"]}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 201 && r.statusCode() != 409) failed.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : ts) t.join();
        if (failed.get() > 0) throw new IllegalStateException(failed.get() + " hosts could not be added");
    }

    static String get(HttpClient http, URI url, String token, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve(path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
        return r.body();
    }
}
