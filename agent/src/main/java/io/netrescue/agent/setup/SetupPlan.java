package io.netrescue.agent.setup;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code agent setup} writes for a given root and options: every file's exact content. Reads the
 * root (distribution, kernel paths, tool locations) but changes nothing; {@link Applier} does that.
 * The recipes are the seeds' (kernel.panic, kernel.sysrq, the kexec unit with RequiresMountsFor=/boot,
 * the reboot override with a fallback, normal-reboot), made safe to repeat and to undo.
 */
final class SetupPlan {
    static final String HEADER = "# Written by `netrescue agent setup`; `netrescue agent setup --undo` restores what was here before.\n";
    static final String UNITS = "/etc/systemd/system/";

    record Plan(List<Change> changes, List<String> notes) {}

    private SetupPlan() {}

    static Plan build(SetupOptions o) {
        Path root = o.root();
        Distro distro = Distro.detect(root);
        List<Change> c = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String systemctl = firstPresent(root, "/usr/bin/systemctl", "/bin/systemctl");
        if (systemctl == null) throw new InvalidInputException("no systemctl in " + root + ": agent setup needs a systemd system");

        c.add(file("/etc/sysctl.d/90-netrescue.conf", sysctl(o), 0644));

        c.add(file(UNITS + "netrescue-agent.service", resource("/io/netrescue/agent/netrescue-agent.service"), 0644));
        c.add(new Change.Link(UNITS + "multi-user.target.wants/netrescue-agent.service", UNITS + "netrescue-agent.service"));
        if (o.agentConfig().isPresent()) {
            try {
                c.add(new Change.WriteFile("/etc/netrescue/agent.conf", Files.readAllBytes(o.agentConfig().get()), 0600));
            } catch (IOException e) {
                throw new InvalidInputException("cannot read --agent-config " + o.agentConfig().get() + ": " + e.getMessage());
            }
        } else if (!Files.exists(root.resolve("etc/netrescue/agent.conf"))) {
            notes.add("the agent needs /etc/netrescue/agent.conf: `netrescue host agent-config HOST` on the server prints it (pass it with --agent-config)");
        }

        if (o.kexec()) kexec(o, distro, systemctl, c);
        o.watchdogSeconds().ifPresent(w -> {
            c.add(file("/etc/systemd/system.conf.d/90-netrescue-watchdog.conf", watchdog(w), 0644));
            if (root.equals(Path.of("/")) && !Files.exists(Path.of("/dev/watchdog0")) && !Files.exists(Path.of("/dev/watchdog"))) {
                notes.add("no /dev/watchdog on this host: systemd will log that it has no hardware watchdog (load the driver, e.g. iTCO_wdt, or use softdog)");
            }
        });
        if (o.sshEarly()) c.add(file(UNITS + distro.sshUnit() + ".d/netrescue-early.conf", sshEarly(), 0644));
        o.xt().ifPresent(x -> xt(o, x, c, notes));
        o.deadMan().ifPresent(d -> c.add(file("/etc/netrescue/agent.conf.d/50-dead-man.conf", deadMan(d, networkRestart(root, d)), 0600)));
        o.netconsole().ifPresent(n -> {
            String server = n.contains(":") ? n.substring(0, n.indexOf(':')) : n;
            String port = n.contains(":") ? n.substring(n.indexOf(':') + 1) : "6666";
            c.add(file("/usr/local/libexec/netrescue-netconsole", netconsoleScript(), 0755));
            c.add(file(UNITS + "netrescue-netconsole.service", netconsoleUnit(server, port), 0644));
            c.add(new Change.Link(UNITS + "multi-user.target.wants/netrescue-netconsole.service", UNITS + "netrescue-netconsole.service"));
        });
        return new Plan(List.copyOf(c), List.copyOf(notes));
    }

    private static void xt(SetupOptions o, SetupOptions.XtSysrq x, List<Change> c, List<String> notes) {
        XtSysrqModule module = XtSysrqModule.inspect(o.root());
        Optional<String> unsafe = module.refusal();
        if (unsafe.isPresent() && !x.allowBroken()) {
            throw new InvalidInputException("--xt-sysrq refused: " + unsafe.get() + " (--allow-broken-xt-sysrq arms it anyway)");
        }
        notes.add(unsafe.map(u -> "WARNING: armed although " + u).orElse(module.describe()));
        String password;
        try {
            var perms = Files.getPosixFilePermissions(x.passwordFile());
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new InvalidInputException("--xt-sysrq-password-file " + x.passwordFile() + " is readable by others: chmod 600 it first");
            }
            password = Files.readString(x.passwordFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read --xt-sysrq-password-file " + x.passwordFile() + ": " + e.getMessage());
        }
        // module options are split on white space and the kernel module strips nothing (docs/protocols/sysrq.md)
        if (!password.matches("[\\x21-\\x7e]{8,63}")) {
            throw new InvalidInputException("the xt_SYSRQ password must be 8-63 printable characters without spaces");
        }
        String iptables = firstPresent(o.root(), "/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables");
        if (iptables == null) throw new InvalidInputException("--xt-sysrq: no iptables (install iptables and xtables-addons-common 3.26 or later)");
        if (x.server().contains(":")) iptables = iptables.replace("iptables", "ip6tables");
        c.add(file("/etc/modprobe.d/netrescue-xt_sysrq.conf", xtModprobe(password, x.hash()), 0600));
        c.add(file("/etc/modules-load.d/netrescue-xt_sysrq.conf", HEADER + "xt_SYSRQ\n", 0644));
        c.add(file(UNITS + "netrescue-xt-sysrq.service", xtUnit(iptables, x.server(), x.port()), 0644));
        c.add(new Change.Link(UNITS + "multi-user.target.wants/netrescue-xt-sysrq.service", UNITS + "netrescue-xt-sysrq.service"));
    }

    private static void kexec(SetupOptions o, Distro distro, String systemctl, List<Change> c) {
        String kexecBin = firstPresent(o.root(), "/usr/sbin/kexec", "/sbin/kexec", "/usr/bin/kexec");
        if (kexecBin == null) {
            throw new InvalidInputException("--kexec: no kexec binary (install kexec-tools: apt install kexec-tools / pacman -S kexec-tools / dnf install kexec-tools)");
        }
        String load = switch (KexecKernel.find(o.root(), distro)) {
            case KexecKernel.Refused r -> throw new InvalidInputException("--kexec refused: " + r.why());
            case KexecKernel.Paths p -> kexecBin + " -d -l " + p.kernel() + " --initrd=" + p.initrd() + " --reuse-cmdline";
            case KexecKernel.Bls b -> {
                c.add(file("/usr/local/libexec/netrescue-kexec-bls", blsHelper(kexecBin), 0755));
                yield "/usr/local/libexec/netrescue-kexec-bls";
            }
        };
        c.add(file(UNITS + "netrescue-kexec-load.service", kexecLoad(load), 0644));
        c.add(new Change.Link(UNITS + "default.target.wants/netrescue-kexec-load.service", UNITS + "netrescue-kexec-load.service"));
        c.add(file(UNITS + "systemd-reboot.service.d/netrescue-kexec.conf", rebootOverride(systemctl), 0644));
        c.add(file("/usr/local/sbin/normal-reboot", normalReboot(systemctl), 0755));
    }

    static String sysctl(SetupOptions o) {
        return HEADER + """
                # Reboot this many seconds after a kernel panic instead of hanging until someone comes.
                kernel.panic = %d
                # An oops leaves the kernel in an unknown state: panic (and so reboot) instead of limping on.
                kernel.panic_on_oops = %d
                # Magic SysRq from the keyboard and serial console (1 = every function). Network SysRq
                # (netrescue's agent, xt_SYSRQ) does not depend on this mask.
                kernel.sysrq = %d
                """.formatted(o.panicSeconds(), o.panicOnOops() ? 1 : 0, o.sysrqMask());
    }

    static String kexecLoad(String execStop) {
        return HEADER + """
                [Unit]
                Description=netrescue: load the newest kernel for a fast kexec reboot
                Documentation=man:kexec(8)
                DefaultDependencies=no
                Before=reboot.target
                # Loaded at shutdown (ExecStop), so it must happen before /boot is unmounted.
                RequiresMountsFor=/boot

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStop=%s

                [Install]
                WantedBy=default.target
                """.formatted(execStop);
    }

    static String rebootOverride(String systemctl) {
        return HEADER + """
                # Reboot through kexec when a kernel is loaded; if that fails or returns, a normal reboot.
                # `normal-reboot` skips this once.
                [Service]
                Type=oneshot
                ExecStart=
                ExecStart=-%1$s --force kexec
                ExecStart=%1$s --force reboot
                """.formatted(systemctl);
    }

    static String normalReboot(String systemctl) {
        return """
                #!/bin/sh
                # Written by `netrescue agent setup --kexec`: one reboot through the firmware, bypassing kexec
                # (the override and the load unit are masked in /run, which the reboot clears).
                set -e
                mkdir -p /run/systemd/transient/systemd-reboot.service.d
                ln -sf /dev/null /run/systemd/transient/systemd-reboot.service.d/netrescue-kexec.conf
                ln -sf /dev/null /run/systemd/transient/netrescue-kexec-load.service
                %1$s daemon-reload
                exec %1$s reboot
                """.formatted(systemctl);
    }

    /** Fedora/RHEL: the default BLS entry (grubenv's saved_entry, else the newest), resolved at shutdown. */
    static String blsHelper(String kexecBin) {
        return """
                #!/bin/sh
                # Written by `netrescue agent setup --kexec`: loads the default Boot Loader Specification entry.
                set -eu
                dir=/boot/loader/entries
                entry=""
                if command -v grub2-editenv >/dev/null 2>&1; then
                  saved=$(grub2-editenv list 2>/dev/null | sed -n 's/^saved_entry=//p')
                  [ -n "$saved" ] && [ -f "$dir/$saved.conf" ] && entry="$dir/$saved.conf"
                fi
                [ -n "$entry" ] || entry=$(ls "$dir"/*.conf | sort -V | tail -n 1)
                field() { sed -n "s/^$1[[:space:]]\\{1,\\}//p" "$entry" | head -n 1; }
                path() { if [ -e "/boot$1" ]; then echo "/boot$1"; else echo "$1"; fi; }
                kernel=$(path "$(field linux)")
                initrd=$(path "$(field initrd)")
                exec %s -d -l "$kernel" --initrd="$initrd" --reuse-cmdline
                """.formatted(kexecBin);
    }

    /**
     * Configures a netconsole target through configfs (CONFIG_NETCONSOLE_DYNAMIC) once the network is
     * up: the route to the server gives the interface, our address and the next hop, whose MAC the
     * kernel needs (netconsole sends raw frames, without ARP, so it still works from a dying kernel).
     */
    static String netconsoleScript() {
        return """
                #!/bin/sh
                # Written by `netrescue agent setup --netconsole`: kernel messages to the netrescue server.
                # usage: netrescue-netconsole SERVER PORT | netrescue-netconsole --stop
                set -eu
                t=/sys/kernel/config/netconsole/netrescue
                if [ "${1:-}" = --stop ]; then
                  [ -d "$t" ] && { echo 0 > "$t/enabled"; rmdir "$t"; }
                  exit 0
                fi
                server=$1 port=$2
                modprobe netconsole 2>/dev/null || true
                [ -d /sys/kernel/config/netconsole ] || mount -t configfs none /sys/kernel/config 2>/dev/null || true
                [ -d /sys/kernel/config/netconsole ] || { echo "netrescue-netconsole: no netconsole in configfs (CONFIG_NETCONSOLE_DYNAMIC)" >&2; exit 1; }
                route=$(ip -4 route get "$server")
                dev=$(echo "$route" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')
                src=$(echo "$route" | sed -n 's/.* src \\([^ ]*\\).*/\\1/p')
                via=$(echo "$route" | sed -n 's/.* via \\([^ ]*\\).*/\\1/p')
                hop=${via:-$server}
                ping -c 1 -W 1 "$hop" >/dev/null 2>&1 || true
                mac=$(ip neigh show "$hop" dev "$dev" | sed -n 's/.* lladdr \\([^ ]*\\).*/\\1/p')
                [ -n "$mac" ] || mac=ff:ff:ff:ff:ff:ff
                if [ -d "$t" ]; then echo 0 > "$t/enabled"; else mkdir "$t"; fi
                echo "$dev" > "$t/dev_name"
                echo "$src" > "$t/local_ip"
                echo "$server" > "$t/remote_ip"
                echo "$port" > "$t/remote_port"
                echo "$mac" > "$t/remote_mac"
                echo 1 > "$t/extended" 2>/dev/null || true
                echo 1 > "$t/enabled"
                echo "netrescue-netconsole: $dev $src -> $server:$port via $mac"
                """;
    }

    static String netconsoleUnit(String server, String port) {
        return HEADER + """
                [Unit]
                Description=netrescue: kernel messages to the netrescue server over netconsole
                Wants=network-online.target
                After=network-online.target

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/usr/local/libexec/netrescue-netconsole %s %s
                ExecStop=/usr/local/libexec/netrescue-netconsole --stop

                [Install]
                WantedBy=multi-user.target
                """.formatted(server, port);
    }

    /** xt_SYSRQ's module options: the password (this file is 0600) and the digest the server uses. */
    static String xtModprobe(String password, String hash) {
        return HEADER + "# xt_SYSRQ (xtables-addons 3.26 or later: 3.23 crashes on the first hashed request)\n"
                + "options xt_SYSRQ password=" + password + " hash=" + hash + "\n";
    }

    static String xtUnit(String iptables, String server, int port) {
        String rule = "INPUT -p udp -s " + server + " --dport " + port + " -j SYSRQ";
        return HEADER + """
                [Unit]
                Description=netrescue: network SysRq (xt_SYSRQ) from the netrescue server only
                DefaultDependencies=no
                Before=network-pre.target shutdown.target
                Wants=network-pre.target
                Conflicts=shutdown.target

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStartPre=-/usr/sbin/modprobe xt_SYSRQ
                ExecStart=%1$s -I %2$s
                ExecStop=%1$s -D %2$s

                [Install]
                WantedBy=multi-user.target
                """.formatted(iptables, rule);
    }

    /** The command that restarts the network: the one given, else the first enabled network service setup finds. */
    static String networkRestart(Path root, SetupOptions.DeadMan d) {
        if (d.restart().isPresent()) return d.restart().get();
        for (String[] s : new String[][] {{"NetworkManager.service", "NetworkManager"}, {"systemd-networkd.service", "systemd-networkd"},
                {"networking.service", "networking"}}) {
            // enabled: a wants link anywhere under /etc/systemd/system (multi-user, network-online, ...)
            try (var w = Files.walk(root.resolve("etc/systemd/system"))) {
                if (w.anyMatch(f -> f.getFileName().toString().equals(s[0]) && f.getParent().getFileName().toString().endsWith(".wants"))) {
                    return "systemctl restart " + s[1];
                }
            } catch (IOException e) {
                break; // no /etc/systemd/system: nothing enabled
            }
        }
        throw new InvalidInputException("--dead-man: no enabled NetworkManager, systemd-networkd or networking service found;"
                + " give the command that restarts this host's network with --dead-man-restart CMD");
    }

    /** A drop-in the agent reads after agent.conf (AgentConfig.load), so the server's file stays whole. */
    static String deadMan(SetupOptions.DeadMan d, String restart) {
        return HEADER + """
                # The agent's dead-man switch (docs/watchdog.md): when neither the netrescue server nor the target
                # has answered for the period, restart the network; one period later, sync and reboot.
                dead-man = %s
                dead-man-target = %s
                dead-man-restart = %s
                dead-man-max-reboots = %d
                """.formatted(d.period(), d.target(), restart, d.maxReboots());
    }

    static String watchdog(int seconds) {
        return HEADER + """
                [Manager]
                # systemd pets the hardware watchdog; if PID 1 or the kernel hangs, the hardware resets the machine.
                RuntimeWatchdogSec=%ds
                # A reboot that hangs is reset too.
                RebootWatchdogSec=10min
                """.formatted(seconds);
    }

    static String sshEarly() {
        return HEADER + """
                # Start sshd as soon as the network is up, not after every other service: on a host that
                # half-boots, ssh is the way in. Keep it running and spare it from the OOM killer.
                [Unit]
                DefaultDependencies=no
                Wants=network.target
                After=sysinit.target network.target
                Before=multi-user.target shutdown.target
                Conflicts=shutdown.target

                [Service]
                Restart=always
                RestartSec=2
                OOMScoreAdjust=-1000
                """;
    }

    private static Change.WriteFile file(String path, String content, int mode) {
        return new Change.WriteFile(path, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    private static String resource(String name) {
        try (InputStream in = SetupPlan.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return HEADER + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstPresent(Path root, String... paths) {
        for (String p : paths) {
            if (Files.exists(root.resolve(p.substring(1)), LinkOption.NOFOLLOW_LINKS)) return p;
        }
        return null;
    }
}
