package io.netrescue.cli;

import io.netrescue.api.Json.HealthJson;
import io.netrescue.api.Json.WatchdogChange;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "watchdog", description = {"Hosts' liveness and escalation ladders; maintenance, silences and manual overrides.",
        "  watchdog                         every host's state",
        "  watchdog --summary               how many hosts are in each state",
        "  watchdog web1                    one host, with its ladder run",
        "  watchdog web1 --maintenance on --reason 'disk swap'",
        "  watchdog web1 --silence 2h --reason 'testing 6.12'   (--silence 0 lifts it)",
        "  watchdog web1 --ladder pause|resume|skip|abort|start"})
final class WatchdogCommand extends ApiCommand {
    @Parameters(paramLabel = "HOST", arity = "0..1") String host;
    @ArgGroup(exclusive = true) Change change;
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded on the host's timeline).") String reason;
    @Option(names = "--summary", description = "How many hosts are in each state.") boolean summary;

    static final class Change {
        @Option(names = "--maintenance", paramLabel = "on|off", description = "Observe the host but never act on it.") String maintenance;
        @Option(names = "--silence", paramLabel = "DURATION", description = "No ladder actions for this long (0 lifts it).") String silence;
        @Option(names = "--ladder", paramLabel = "ACTION", description = "start, pause, resume, skip (the current step) or abort.") String ladder;
    }

    @Override
    public Integer call() {
        ApiClient c = opts.client();
        if (summary) {
            java.util.Map<String, Object> m = c.get("watchdog/summary", new TypeReference<java.util.Map<String, Object>>() {});
            return Out.emit(spec, opts.json, m, out -> m.forEach((k, v) -> out.println(k + ": " + v)));
        }
        if (host == null) {
            if (change != null) throw new CliException("--maintenance, --silence and --ladder need a HOST");
            List<HealthJson> all = c.get("watchdog", new TypeReference<List<HealthJson>>() {});
            return Out.emit(spec, opts.json, all, out -> {
                Table t = new Table("HOST", "STATE", "SINCE", "LAST SEEN", "LADDER", "REASON");
                for (HealthJson h : all) {
                    t.row(h.host(), h.state() + (Boolean.TRUE.equals(h.ladderPaused()) ? " (paused)" : ""), h.since(), h.lastSeen(),
                            h.ladderStep() != null ? h.ladderStep() : h.held() != null ? "held" : "", h.reason());
                }
                t.print(out);
            });
        }
        String path = "hosts/" + Out.path(host) + "/watchdog";
        HealthJson h;
        if (change != null) {
            Boolean m = null;
            if (change.maintenance != null) {
                m = switch (change.maintenance) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new CliException("--maintenance must be on or off");
                };
            }
            h = c.send("POST", path, new WatchdogChange(m, change.silence, change.ladder, reason), HealthJson.class);
        } else {
            h = c.send("GET", path, null, HealthJson.class);
        }
        HealthJson v = h;
        return Out.emit(spec, opts.json, v, out -> {
            out.println("host:        " + v.host());
            out.println("state:       " + v.state() + " since " + v.since() + (Boolean.TRUE.equals(v.maintenance()) ? " (maintenance)" : ""));
            out.println("reason:      " + v.reason());
            out.println("last seen:   " + (v.lastSeen() == null ? "never" : v.lastSeen() + " (" + v.via() + ", phi " + v.phi() + ")"));
            if (v.bootId() != null) {
                out.println("boot:        " + v.bootId() + ", kernel " + v.kernel() + (v.uptimeSeconds() == null ? "" : ", up " + v.uptimeSeconds() + " s"));
            }
            if (v.xtSysrq() != null) {
                out.println("xt_SYSRQ:    " + v.xtSysrq() + (io.netrescue.sysrq.XtSysrqVersion.safe(v.xtSysrq()) ? ""
                        : " (crashes the kernel on the first hashed request unless " + io.netrescue.sysrq.XtSysrqVersion.FIXED + " or later)"));
            }
            out.println("policy:      " + v.policy());
            out.println("ladder:      " + (v.ladderStep() == null ? "idle" : "run " + v.ladderAttempt() + ", " + v.ladderStep()
                    + (Boolean.TRUE.equals(v.ladderPaused()) ? " (paused)" : "")));
            if (v.held() != null) out.println("held:        " + v.held());
            if (v.silencedUntil() != null) out.println("silenced:    until " + v.silencedUntil() + (v.silenceReason() == null ? "" : ": " + v.silenceReason()));
        });
    }
}
