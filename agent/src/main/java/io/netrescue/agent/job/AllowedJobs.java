package io.netrescue.agent.job;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.JobSpec;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an installed system's agent runs ({@code allowed-jobs} in agent.conf): remote code execution on
 * a production host is the operator's decision, made per host, so nothing is allowed unless named.
 * {@code script} allows any script job; a built-in's name allows that built-in ({@code disks},
 * {@code fsck}, ...); {@code all} allows every job. The job's kind comes from the server, which the agent
 * trusts to send what it names (a server that lies can send any script as a built-in): the list limits
 * what an operator can start through the server, not what a compromised server can do.
 */
public record AllowedJobs(boolean all, boolean scripts, Set<String> builtins) {
    public static final AllowedJobs NONE = new AllowedJobs(false, false, Set.of());

    public AllowedJobs {
        builtins = Set.copyOf(builtins);
    }

    /** {@code none} (or empty), {@code all}, or a comma-separated list of {@code script} and built-in names. */
    public static AllowedJobs parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.equals("none")) return NONE;
        if (t.equals("all")) return new AllowedJobs(true, true, Set.of());
        boolean scripts = false;
        Set<String> names = new LinkedHashSet<>();
        for (String w : t.split("\\s*,\\s*")) {
            if (w.equals("script")) scripts = true;
            else if (JobSpec.BUILTIN.matcher(w).matches() && !w.equals("all") && !w.equals("none")) names.add(w);
            else throw new InvalidInputException("allowed-jobs: '" + w + "' is not 'script' or a built-in's name (or give 'all' or 'none' alone)");
        }
        return new AllowedJobs(false, scripts, names);
    }

    public boolean any() {
        return all || scripts || !builtins.isEmpty();
    }

    /** Why {@code spec} may not run here, if it may not. */
    public Optional<String> refusal(JobSpec spec) {
        if (all) return Optional.empty();
        if (spec.builtin().isPresent() ? builtins.contains(spec.builtin().get()) : scripts) return Optional.empty();
        return Optional.of("not allowed on this host: " + spec.builtin().map(b -> "built-in " + b).orElse("a script")
                + " is not in its allowed-jobs (" + this + ")");
    }

    @Override
    public String toString() {
        if (all) return "all";
        if (!any()) return "none";
        java.util.List<String> l = new java.util.ArrayList<>();
        if (scripts) l.add("script");
        l.addAll(new java.util.TreeSet<>(builtins));
        return String.join(",", l);
    }
}
