package io.netrescue.power.server;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * snmpsim's snmpsimd (Debian package snmpsim 0.4.x) as a switched PDU on 127.0.0.1: APC PowerNet-MIB
 * sPDUOutletCtl.1-8 (writecache, values 1..3) and a "generic" outlet table .1.3.6.1.4.1.99999.1.N
 * (writecache, 0 = off, 1 = on). Communities public and private select the same data; v3 user
 * {@link #V3_USER} (SHA-256/AES-128) sees it with context "public". The v3 keys reach snmpsimd
 * through --args-from-file, not its command line. As root it must drop to nobody:nogroup.
 */
final class SnmpSim implements AutoCloseable {
    static final String APC = ".1.3.6.1.4.1.318.1.1.4.4.2.1.3";
    static final String GENERIC = ".1.3.6.1.4.1.99999.1";
    static final String V3_USER = "pduadmin";
    static final String V3_AUTH = "auth-" + Long.toHexString(System.nanoTime());
    static final String V3_PRIV = "priv-" + Long.toHexString(System.nanoTime() * 31);

    final int port;
    private final Path dir;
    private final Process process;

    private SnmpSim(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/snmpsimd")) && Files.isDirectory(Path.of("/usr/share/snmpsim/variation"));
    }

    static SnmpSim start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("netrescue-snmpsim");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> rec = new ArrayList<>();
        rec.add("1.3.6.1.2.1.1.1.0|4|APC Web/SNMP Management Card (netrescue test simulation)");
        rec.add("1.3.6.1.2.1.1.5.0|4|test-pdu1");
        for (int n = 1; n <= 8; n++) rec.add(APC.substring(1) + "." + n + "|2:writecache|value=1,vlist=lt:1:wrongvalue:gt:3:wrongvalue");
        for (int n = 1; n <= 8; n++) rec.add("1.3.6.1.4.1.318.1.1.4.4.2.1.4." + n + "|4|Outlet " + n);
        for (int n = 1; n <= 4; n++) rec.add(GENERIC.substring(1) + "." + n + "|2:writecache|value=1,vlist=lt:0:wrongvalue:gt:1:wrongvalue");
        rec.sort(Comparator.comparing(SnmpSim::oidKey)); // snmprec files must be in OID order
        for (String community : List.of("public", "private")) {
            Path f = data.resolve(community + ".snmprec");
            Files.write(f, rec);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path args = dir.resolve("v3.args");
        Files.writeString(args, String.join("\n", "--v3-user=" + V3_USER, "--v3-auth-key=" + V3_AUTH, "--v3-auth-proto=SHA256",
                "--v3-priv-key=" + V3_PRIV, "--v3-priv-proto=AES128") + "\n");
        Files.setPosixFilePermissions(args, PosixFilePermissions.fromString("rw-------"));
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/snmpsimd", "--data-dir=" + data, "--cache-dir=" + cache,
                "--agent-udpv4-endpoint=127.0.0.1:" + port, "--variation-modules-dir=/usr/share/snmpsim/variation",
                "--args-from-file=" + args, "--logging-method=stdout"));
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("--process-user=nobody", "--process-group=nogroup"));
        Path log = dir.resolve("snmpsimd.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        SnmpSim sim = new SnmpSim(port, dir, p);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("Listening at UDP/IPv4 endpoint 127.0.0.1:" + port)) {
            if (!p.isAlive() || System.nanoTime() > until) {
                String out = Files.readString(log);
                sim.close();
                throw new IOException("snmpsimd did not start: " + out);
            }
            Thread.sleep(50);
        }
        return sim;
    }

    private static String oidKey(String line) {
        StringBuilder b = new StringBuilder();
        for (String part : line.substring(0, line.indexOf('|')).split("\\.")) b.append(String.format("%010d.", Long.parseLong(part)));
        return b.toString();
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("snmpsimd.log"));
    }

    @Override
    public void close() throws IOException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
