package io.netrescue.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The installed system of a test VM: tools/guest/disk-guest.sh builds a disk that the BIOS boots
 * (syslinux, the host's Debian kernel, busybox, netrescue's agent). Built per test, since the agent's
 * configuration (its host key) comes from that test's server; a few seconds.
 */
final class DiskGuest {
    private DiskGuest() {}

    /** Builds {@code out}/disk.img with the script's environment {@code env}; returns the image. */
    static Path build(Path out, Map<String, String> env) throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path agent = RescueBuild.agent().orElseThrow(() -> new IllegalStateException("agent/target/netrescue-agent is not built"));
        List<String> cmd = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of(repo.resolve("tools/guest/disk-guest.sh").toString(), out.toString(), agent.toString()));
        long t0 = System.nanoTime();
        String log = PxeLab.run(cmd, java.time.Duration.ofMinutes(5));
        System.out.printf("[disk-guest] built in %.1f s%n%s%n", (System.nanoTime() - t0) / 1e9, PxeLab.tail(log, 15));
        Path disk = out.resolve("disk.img");
        if (!Files.isRegularFile(disk)) throw new IllegalStateException("disk-guest.sh made no " + disk + ":\n" + log);
        return disk;
    }
}
