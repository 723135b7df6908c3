package io.netrescue.agent.setup;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code netrescue-agent setup [options]}: prepares a host to be recoverable (panic reboot, SysRq,
 * the agent's unit, optionally kexec reboots, the hardware watchdog, an early sshd). Idempotent;
 * {@code --undo} restores exactly what was there; {@code --dry-run} prints the diff and changes nothing.
 */
public final class AgentSetup {
    public static final String USAGE = """
            usage: netrescue-agent setup [--root DIR] [--dry-run] [--panic SECONDS] [--sysrq-mask N] [--no-panic-on-oops]
                                         [--kexec] [--watchdog SECONDS] [--ssh-early] [--agent-config FILE]
                                         [--netconsole SERVER[:PORT]] [--xt-sysrq SERVER --xt-sysrq-password-file F
                                          [--xt-sysrq-port 9] [--xt-sysrq-hash sha1|sha256] [--allow-broken-xt-sysrq]]
                                         [--dead-man PERIOD [--dead-man-target gateway|none|IP] [--dead-man-restart CMD]
                                          [--dead-man-max-reboots N]]
                   netrescue-agent setup --undo [--root DIR] [--dry-run] [--force]
              --root DIR          change the system under DIR instead of / (no commands are run then)
              --dry-run           print what would change (a unified diff) and change nothing
              --panic SECONDS     kernel.panic: reboot this long after a panic (default 10)
              --sysrq-mask N      kernel.sysrq for keyboard/console SysRq (default 1: all; network SysRq ignores it)
              --no-panic-on-oops  leave kernel.panic_on_oops at 0
              --kexec             reboots through kexec (15 s instead of the firmware's minutes), falling back to a
                                  normal reboot; `normal-reboot` does one firmware reboot
              --watchdog SECONDS  systemd pets the hardware watchdog with this timeout (RuntimeWatchdogSec)
              --ssh-early         start sshd right after the network, restart it always, spare it from the OOM killer
              --netconsole S[:P]  send the kernel's messages (panics, oopses) to the server's netconsole receiver
                                  (`netrescue serve --netconsole 0.0.0.0:6666`; port 6666 by default)
              --xt-sysrq SERVER   the kernel's xt_SYSRQ with the host's password (module options, 0600) and a firewall
                                  rule accepting SysRq only from SERVER; the same password as `netrescue host sysrq
                                  HOST --dialect xt --password-file F`. Refused unless the installed module is
                                  xtables-addons 3.26 or later (earlier ones crash the kernel on the first request;
                                  --allow-broken-xt-sysrq arms it anyway)
              --dead-man PERIOD   the agent's dead-man switch: when neither the server nor the target (the default
                                  gateway) has answered for PERIOD (10s-1d: 90s, 10m, 2h), restart the network; one
                                  PERIOD later sync and reboot (SysRq s,u,b), at most --dead-man-max-reboots (3) a day,
                                  never in a maintenance the server announced. --dead-man-restart CMD restarts the
                                  network (default: NetworkManager, systemd-networkd or ifupdown's networking, as found)
              --agent-config F    install F (from `netrescue host agent-config HOST`) as /etc/netrescue/agent.conf
              --undo              put back every file setup replaced, byte for byte, and remove what it created
              --force             with --undo: also restore files someone edited after setup wrote them
              -h, --help          print this help and exit
            """;

    private AgentSetup() {}

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path root = Path.of("/");
        boolean dryRun = false, undo = false, force = false, kexec = false, ssh = false, oops = true;
        int panic = 10, mask = 1;
        Optional<Integer> watchdog = Optional.empty();
        Optional<Path> agentConfig = Optional.empty();
        Optional<String> netconsole = Optional.empty();
        String xtServer = null, xtHash = "sha1";
        Path xtPassword = null;
        int xtPort = 9;
        boolean allowBrokenXt = false;
        String deadMan = null, deadManTarget = "gateway", deadManRestart = null;
        int deadManReboots = 3;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--root" -> root = Path.of(value(args, ++i, a));
                    case "--dry-run" -> dryRun = true;
                    case "--undo" -> undo = true;
                    case "--force" -> force = true;
                    case "--kexec" -> kexec = true;
                    case "--ssh-early" -> ssh = true;
                    case "--no-panic-on-oops" -> oops = false;
                    case "--panic" -> panic = number(value(args, ++i, a), a);
                    case "--sysrq-mask" -> mask = number(value(args, ++i, a), a);
                    case "--watchdog" -> watchdog = Optional.of(number(value(args, ++i, a), a));
                    case "--agent-config" -> agentConfig = Optional.of(Path.of(value(args, ++i, a)));
                    case "--netconsole" -> netconsole = Optional.of(value(args, ++i, a));
                    case "--xt-sysrq" -> xtServer = value(args, ++i, a);
                    case "--xt-sysrq-password-file" -> xtPassword = Path.of(value(args, ++i, a));
                    case "--xt-sysrq-port" -> xtPort = number(value(args, ++i, a), a);
                    case "--xt-sysrq-hash" -> xtHash = value(args, ++i, a);
                    case "--allow-broken-xt-sysrq" -> allowBrokenXt = true;
                    case "--dead-man" -> deadMan = value(args, ++i, a);
                    case "--dead-man-target" -> deadManTarget = value(args, ++i, a);
                    case "--dead-man-restart" -> deadManRestart = value(args, ++i, a);
                    case "--dead-man-max-reboots" -> deadManReboots = number(value(args, ++i, a), a);
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new InvalidInputException("unknown option '" + a + "'");
                }
            }
            if (!Files.isDirectory(root)) throw new InvalidInputException("--root " + root + " is not a directory");
            root = root.toRealPath();
            Applier applier = new Applier(root, dryRun, out);
            List<Applier.Step> steps;
            if (undo) {
                steps = applier.undo(force);
            } else {
                if ((xtServer == null) != (xtPassword == null)) {
                    throw new InvalidInputException("--xt-sysrq SERVER and --xt-sysrq-password-file FILE go together");
                }
                Optional<SetupOptions.XtSysrq> xt = xtServer == null ? Optional.empty()
                        : Optional.of(new SetupOptions.XtSysrq(xtServer, xtPort, xtPassword, xtHash, allowBrokenXt));
                if (deadMan == null && (deadManRestart != null || deadManReboots != 3 || !deadManTarget.equals("gateway"))) {
                    throw new InvalidInputException("--dead-man-* options need --dead-man PERIOD");
                }
                Optional<SetupOptions.DeadMan> dm = deadMan == null ? Optional.empty()
                        : Optional.of(new SetupOptions.DeadMan(deadMan, deadManTarget, Optional.ofNullable(deadManRestart), deadManReboots));
                SetupOptions o = new SetupOptions(root, panic, oops, mask, kexec, watchdog, ssh, agentConfig, netconsole, xt, dm);
                SetupPlan.Plan plan = SetupPlan.build(o);
                steps = applier.apply(plan.changes());
                for (String n : plan.notes()) err.println("netrescue-agent setup: note: " + n);
            }
            boolean changed = steps.stream().anyMatch(s -> !s.action().equals("unchanged"));
            for (Applier.Step s : steps) {
                if (!s.action().equals("unchanged")) out.println((dryRun ? "would be " : "") + s.action() + " " + s.path());
            }
            if (!changed) out.println("nothing to do: the host is already as asked");
            if (changed && !dryRun && root.equals(Path.of("/"))) activate(undo, out, err);
            return 0;
        } catch (InvalidInputException | IllegalArgumentException e) {
            err.println("netrescue-agent setup: " + e.getMessage());
            return e instanceof InvalidInputException && e.getMessage().startsWith("unknown option") ? 2 : 1;
        } catch (IOException e) {
            err.println("netrescue-agent setup: " + e);
            return 1;
        }
    }

    /** On the live system: systemd and the kernel read what was written. Failures are reported, files stay. */
    private static void activate(boolean undo, PrintStream out, PrintStream err) {
        List<List<String>> cmds = new ArrayList<>();
        cmds.add(List.of("systemctl", "daemon-reload"));
        cmds.add(List.of("sysctl", "--system"));
        if (!undo && Files.exists(Path.of("/etc/netrescue/agent.conf"))) cmds.add(List.of("systemctl", "restart", "netrescue-agent.service"));
        if (undo) cmds.add(List.of("systemctl", "stop", "netrescue-agent.service"));
        for (List<String> c : cmds) {
            try {
                Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
                String o = new String(p.getInputStream().readAllBytes());
                int rc = p.waitFor();
                out.println("ran: " + String.join(" ", c) + (rc == 0 ? "" : " (exit " + rc + ")"));
                if (rc != 0) err.print(o);
            } catch (IOException e) {
                err.println("netrescue-agent setup: could not run " + String.join(" ", c) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (undo) out.println("kernel settings written by setup stay in effect until the next boot");
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) throw new InvalidInputException(option + " needs a value");
        return args.get(i);
    }

    private static int number(String v, String option) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(option + " needs a number, not '" + v + "'");
        }
    }
}
