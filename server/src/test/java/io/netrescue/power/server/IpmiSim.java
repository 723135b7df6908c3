package io.netrescue.power.server;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * OpenIPMI's ipmi_sim as a BMC on 127.0.0.1 (the lab's recipe): power control goes to a chassis_control
 * script that keeps the state in a file and appends every SET to a log, so a test can see what reached
 * the "hardware" independently of what the BMC answers.
 */
public final class IpmiSim implements AutoCloseable {
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "s3cret-Adm1n-pw";
    static final String OPERATOR = "op";
    static final String OPERATOR_PASSWORD = "op3rator-pw";

    final Path dir;
    final int port;
    private final Process process;

    static boolean available() {
        return onPath("ipmi_sim") && onPath("ipmitool");
    }

    static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    IpmiSim() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("ipmisim-");
        port = freeUdpPort();
        Path hook = dir.resolve("chassis.sh");
        Files.writeString(hook, """
                #!/bin/sh
                # ipmi_sim chassis_control: 'get power' must print power:0|1; 'set power "1"', 'set reset "1"', ...
                S=%1$s/power.state; L=%1$s/power.log
                case "$1" in
                  get) echo "power:$(cat $S 2>/dev/null || echo 0)";;
                  set) shift; while [ $# -ge 2 ]; do echo "SET $1=$2" >> $L; [ "$1" = power ] && echo "$2" > $S; shift 2; done;;
                  check) exit 0;;
                esac
                """.formatted(dir));
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("power.log"), "");
        writeConfig(dir, port, hook, List.of(new String[] {ADMIN, ADMIN_PASSWORD, "admin"}, new String[] {OPERATOR, OPERATOR_PASSWORD, "operator"}));
        process = new ProcessBuilder("ipmi_sim", "-c", dir.resolve("lan.conf").toString(), "-f", dir.resolve("bmc.emu").toString(),
                "-s", dir.resolve("state").toString(), "-n")
                .redirectErrorStream(true).redirectOutput(dir.resolve("ipmi_sim.log").toFile()).start();
        waitForSocket();
    }

    /**
     * Writes ipmi_sim's {@code lan.conf} (a LAN channel on 127.0.0.1:{@code port}, power through the
     * {@code hook} chassis_control program, users as {name, password, privilege}) and {@code bmc.emu}
     * into {@code dir}. Shared with the QEMU test, whose BMC runs inside a network namespace.
     */
    public static void writeConfig(Path dir, int port, Path hook, List<String[]> users) throws IOException {
        StringBuilder u = new StringBuilder();
        int id = 2;
        for (String[] x : users) u.append("  user %d true  \"%s\" \"%s\" %s 10 none md2 md5 straight\n".formatted(id++, x[0], x[1], x[2]));
        Files.writeString(dir.resolve("lan.conf"), """
                name "testbmc"
                set_working_mc 0x20
                  startlan 1
                    addr 127.0.0.1 %d
                    priv_limit admin
                    allowed_auths_callback none md2 md5 straight
                    allowed_auths_user none md2 md5 straight
                    allowed_auths_operator none md2 md5 straight
                    allowed_auths_admin none md2 md5 straight
                    guid a123456789abcdefa123456789abcdef
                  endlan
                  chassis_control "%s"
                """.formatted(port, hook) + u);
        Files.writeString(dir.resolve("bmc.emu"), """
                mc_setbmc 0x20
                mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
                mc_enable 0x20
                """);
    }

    /** The SET lines the chassis script has logged so far. */
    List<String> log() throws IOException {
        return Files.readAllLines(dir.resolve("power.log"));
    }

    void setPower(boolean on) throws IOException {
        Files.writeString(dir.resolve("power.state"), on ? "1\n" : "0\n");
    }

    /** ipmi_sim binds its UDP port a moment after start: wait until /proc/net/udp lists it. */
    private void waitForSocket() throws IOException, InterruptedException {
        String needle = String.format(Locale.ROOT, "0100007F:%04X", port);
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) throw new IOException("ipmi_sim exited: " + Files.readString(dir.resolve("ipmi_sim.log")));
            if (Files.readString(Path.of("/proc/net/udp")).contains(needle)) return;
            Thread.sleep(20);
        }
        throw new IOException("ipmi_sim did not bind 127.0.0.1:" + port);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
