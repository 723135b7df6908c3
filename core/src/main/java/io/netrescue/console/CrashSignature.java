package io.netrescue.console;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises the kernel messages that say why a machine died or is dying. Pure. The patterns are the
 * kernel's own fixed prefixes (panic(), die(), the soft/hard lockup and hung task detectors, the RCU
 * stall detector, the OOM killer), matched anywhere in a line because classic netconsole lines may
 * carry a timestamp prefix ("[  12.345678] ").
 */
public final class CrashSignature {
    public enum Kind {
        PANIC("console.panic"), OOPS("console.oops"), LOCKUP("console.lockup"), HUNG_TASK("console.hung-task"),
        RCU_STALL("console.rcu-stall"), OOM("console.oom");

        public final String event;

        Kind(String event) {
            this.event = event;
        }
    }

    private record Rule(Kind kind, Pattern pattern) {}

    private static final List<Rule> RULES = List.of(
            new Rule(Kind.PANIC, Pattern.compile("Kernel panic - not syncing")),
            new Rule(Kind.OOPS, Pattern.compile("(Oops: |BUG: unable to handle|general protection fault|kernel BUG at )")),
            new Rule(Kind.LOCKUP, Pattern.compile("(watchdog: BUG: soft lockup|Watchdog detected hard LOCKUP)")),
            new Rule(Kind.HUNG_TASK, Pattern.compile("INFO: task .{1,64} blocked for more than")),
            new Rule(Kind.RCU_STALL, Pattern.compile("rcu: INFO: .{0,40}(detected stalls|self-detected stall)")),
            new Rule(Kind.OOM, Pattern.compile("Out of memory: Kill(ed)? process")));

    private CrashSignature() {}

    public static Optional<Kind> match(String line) {
        if (line.length() > 2048) return Optional.empty();
        for (Rule r : RULES) if (r.pattern.matcher(line).find()) return Optional.of(r.kind);
        return Optional.empty();
    }
}
