package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A lab machine's BMC: OpenIPMI's {@code ipmi_sim} on UDP 16230 in the server's namespace (user
 * {@code admin}), whose chassis control presses the VM's power and reset buttons through QEMU's
 * monitor socket, exactly as a real BMC drives a board. Every button press is logged to {@code powerLog}.
 */
final class LabBmc {
    private LabBmc() {}

    static void start(PxeLab lab, Path monitor, Path powerLog, String password) throws Exception {
        Path dir = Files.createDirectories(lab.dir().resolve("bmc"));
        Path hook = dir.resolve("chassis-control.sh");
        Files.writeString(hook, """
                #!/bin/sh
                # ipmi_sim chassis_control: 'get power' prints power:0/1; 'set power 0|1' / 'set reset 1' press the VM's buttons
                S=%1$s/power.state L=%2$s M=%3$s
                hmp() { printf '%%s\\n' "$@" | socat -t 1 - UNIX-CONNECT:$M >/dev/null 2>&1; }
                case "$1" in
                  get) echo "power:$(cat $S 2>/dev/null || echo 1)" ;;
                  set) shift
                       while [ $# -ge 2 ]; do
                         echo "$(date +%%T.%%N) SET $1=$2" >> $L
                         case "$1=$2" in
                           power=0) hmp stop; echo 0 > $S ;;
                           power=1) hmp system_reset cont; echo 1 > $S ;;
                           reset=1) hmp system_reset ;;
                         esac
                         shift 2
                       done ;;
                  check) exit 0 ;;
                esac
                """.formatted(dir, powerLog, monitor));
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        io.netrescue.power.server.IpmiSim.writeConfig(dir, 16230, hook, List.<String[]>of(new String[] {"admin", password, "admin"}));
        Files.createDirectories(dir.resolve("state"));
        Process p = lab.inServer("ipmi-sim", List.of("ipmi_sim", "-c", dir.resolve("lan.conf").toString(), "-f", dir.resolve("bmc.emu").toString(),
                "-s", dir.resolve("state").toString(), "-n"), List.of());
        Thread.sleep(1000);
        assertThat(p.isAlive()).as("ipmi_sim: " + PxeLab.read(lab.dir().resolve("ipmi-sim.log"))).isTrue();
    }
}
