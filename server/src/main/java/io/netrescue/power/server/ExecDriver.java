package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site's own power script, called as {@code COMMAND ACTION HOST} (ACTION is status, on, off, cycle or
 * soft-reset) with NETRESCUE_HOST, NETRESCUE_ACTION and, when a secret is set, NETRESCUE_SECRET in its
 * environment. Exit 0 is success; for status the first line of stdout is on, off or unknown; otherwise the
 * last line of stderr is the message, and exit 75 (EX_TEMPFAIL) says that retrying may help. See docs/power/exec.md.
 */
public final class ExecDriver implements PowerDriver {
    private static final Logger log = LoggerFactory.getLogger(ExecDriver.class);
    static final Set<String> SETTINGS = Set.of("command", "actions");
    /** sysexits.h EX_TEMPFAIL: "temporary failure, the user is invited to retry". */
    static final int EX_TEMPFAIL = 75;

    private final String host;
    private final Path command;
    private final Set<PowerAction> actions;
    private final Optional<String> secret;
    private final Duration timeout;

    private ExecDriver(String host, Path command, Set<PowerAction> actions, Optional<String> secret, Duration timeout) {
        this.host = host;
        this.command = command;
        this.actions = actions;
        this.secret = secret;
        this.timeout = timeout;
    }

    public static ExecDriver from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String prefix = "exec power for " + s.host() + ": ";
        String c = s.required("command");
        Path command = Path.of(c);
        if (!command.isAbsolute()) {
            throw new InvalidInputException(prefix + "'command' must be an absolute path, not '" + Printable.clip(c) + "'");
        }
        if (!Files.isRegularFile(command) || !Files.isExecutable(command)) {
            throw new InvalidInputException(prefix + "'command' " + Printable.clip(c)
                    + (Files.exists(command) ? " is not an executable file" : " does not exist"));
        }
        Set<PowerAction> actions = EnumSet.noneOf(PowerAction.class);
        for (String word : s.optional("actions", "status,on,off,cycle").split(",")) {
            if (word.isBlank()) continue;
            try {
                actions.add(PowerAction.parse(word));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(prefix + "'actions': " + e.getMessage());
            }
        }
        if (actions.isEmpty()) throw new InvalidInputException(prefix + "'actions' lists no action");
        return new ExecDriver(s.host(), command, Set.copyOf(actions), s.secret().filter(x -> !x.isEmpty()), s.timeout());
    }

    @Override
    public String kind() {
        return "exec";
    }

    @Override
    public Set<PowerAction> supports() {
        return actions;
    }

    @Override
    public String describe() {
        return "exec " + command;
    }

    @Override
    public PowerState status() throws PowerException {
        Subprocess.Result r = run(PowerAction.STATUS);
        String first = r.stdout().lines().findFirst().orElse("").strip().toLowerCase(Locale.ROOT);
        return switch (first) {
            case "on" -> PowerState.ON;
            case "off" -> PowerState.OFF;
            case "unknown" -> PowerState.UNKNOWN;
            default -> throw new PowerException(describe() + ": status printed '" + safe(first)
                    + "' as its first line, expected on, off or unknown", false);
        };
    }

    @Override
    public String perform(PowerAction action) throws PowerException {
        if (action == PowerAction.STATUS) return "power is " + status().name().toLowerCase(Locale.ROOT) + " according to " + command;
        Subprocess.Result r = run(action);
        String said = lastLine(r.stdout());
        return command.getFileName() + " " + action.word() + " " + host + " succeeded" + (said.isEmpty() ? "" : ": " + safe(said));
    }

    private Subprocess.Result run(PowerAction action) throws PowerException {
        if (!actions.contains(action)) {
            throw new PowerException(describe() + ": " + action.word() + " is not in the script's 'actions' ("
                    + String.join(",", actions.stream().sorted().map(PowerAction::word).toList()) + ")", false);
        }
        Map<String, String> env = new HashMap<>(Map.of("NETRESCUE_HOST", host, "NETRESCUE_ACTION", action.word()));
        secret.ifPresent(x -> env.put("NETRESCUE_SECRET", x));
        Subprocess.Result r;
        try {
            r = Subprocess.run(List.of(command.toString(), action.word(), host), env, timeout);
        } catch (Subprocess.TimedOut e) {
            log.atWarn().addKeyValue("host", host).addKeyValue("command", command).addKeyValue("action", action.word())
                    .addKeyValue("timeoutMs", timeout.toMillis()).log("power script timed out, process tree killed");
            throw new PowerException(describe() + ": " + action.word() + " did not finish within " + timeout.toMillis()
                    + " ms (script and its children killed)", true);
        } catch (IOException e) {
            throw new PowerException(describe() + ": cannot run the script: " + Printable.clip(e.getMessage()), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerException(describe() + ": interrupted while waiting for the script", false);
        }
        log.atInfo().addKeyValue("host", host).addKeyValue("command", command).addKeyValue("action", action.word())
                .addKeyValue("exit", r.exit()).addKeyValue("ms", r.elapsed().toMillis()).log("power script");
        if (r.exit() != 0) {
            String why = lastLine(r.stderr());
            throw new PowerException(describe() + ": " + action.word() + " failed (exit " + r.exit() + ")"
                    + (why.isEmpty() ? "" : ": " + safe(why)), r.exit() == EX_TEMPFAIL);
        }
        return r;
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** Script output made fit for the timeline: a script that echoes its secret must not put it there. */
    private String safe(String text) {
        return Printable.clip(secret.filter(x -> x.length() >= 3).map(x -> text.replace(x, "***")).orElse(text));
    }
}
