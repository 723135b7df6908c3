package io.netrescue.cli;

import io.netrescue.api.JobApi.ChunkJson;
import io.netrescue.api.JobApi.JobJson;
import io.netrescue.api.JobApi.JobRequestJson;
import io.netrescue.api.JobApi.OutputJson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "job", description = {"Run work in a host's rescue system through its agent, and follow its output.",
        "  job run web1 --script repair.sh --timeout 30m --env DISK=/dev/sda",
        "  job run web1 --builtin disks --rescue",
        "  job run web1 --builtin reinstall --image https://img/debian.raw.zst --sha256 HEX --disk /dev/sda --end-rescue",
        "  job logs 17 -f",
        "  job list web1",
        "  job cancel 17",
        "A job waits (queued) until HOST's rescue system asks for it; one job runs per host at a time."},
        subcommands = {JobCommand.Run.class, JobCommand.Logs.class, JobCommand.ListJobs.class, JobCommand.Cancel.class, JobCommand.ListBuiltins.class})
final class JobCommand {
    @Mixin HelpOptions help;

    /** The largest script file read (the server takes 1 MiB). */
    static final int MAX_SCRIPT = 1 << 20;

    @Command(name = "run", description = {"Queue a script or a built-in job for HOST; prints the job's id (follow it with job logs ID -f).",
            "Built-ins (job builtins lists them): disks, fsck, mount-root [--device DEV], chroot --command CMD,",
            "reinstall --image URL --sha256 HEX --disk DEV [--format raw|gz|xz|zst]."})
    static final class Run extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;
        @Option(names = "--script", paramLabel = "FILE", description = "A shell script (run by /bin/sh in the rescue system).") Path script;
        @Option(names = "--builtin", paramLabel = "NAME", description = "A built-in job instead of a script.") String builtin;
        @Option(names = "--name", paramLabel = "NAME", description = "The script job's name in job list (default: the script's file name).") String name;
        @Option(names = "--image", paramLabel = "URL", description = "reinstall: the image's http(s) URL.") String image;
        @Option(names = "--sha256", paramLabel = "HEX", description = "reinstall: SHA-256 of the uncompressed image.") String sha256;
        @Option(names = "--disk", paramLabel = "DEV", description = "reinstall: the whole disk to write.") String disk;
        @Option(names = "--format", paramLabel = "FORMAT", description = "reinstall: raw, gz, xz, zst or auto (default: by the URL's suffix).") String format;
        @Option(names = "--device", paramLabel = "DEV", description = "mount-root: the root filesystem's device (default: found).") String device;
        @Option(names = "--command", paramLabel = "CMD", description = "chroot: the command to run inside the mounted system.") String command;
        @Option(names = "--arg", paramLabel = "NAME=VALUE", description = "Any built-in argument by name; repeatable.") List<String> arg = new ArrayList<>();
        @Option(names = "--timeout", paramLabel = "DURATION", description = "Killed with its whole process tree after this long (default 30m, a built-in's own; at most 24h).") String timeout;
        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable for the script; repeatable.") List<String> env = new ArrayList<>();
        @Option(names = "--rescue", description = "Activate rescue for HOST's jobs and reboot it into the rescue system now (unless an activation is live).") boolean rescue;
        @Option(names = "--end-rescue", description = "When the job succeeds, end HOST's rescue activation and reboot it into its own system.") boolean endRescue;
        @Option(names = "--installed", description = "Run it on HOST's installed, running system instead of its rescue system (its agent must allow it: allowed-jobs).") boolean installed;

        @Override
        public Integer call() {
            if ((script == null) == (builtin == null)) throw new CliException("give --script FILE or --builtin NAME");
            if (builtin != null && (name != null || !env.isEmpty())) throw new CliException("a built-in takes its own arguments: no --name, no --env");
            Map<String, String> vars = pairs("--env", env);
            Map<String, String> args = pairs("--arg", arg);
            putArg(args, "image", image);
            putArg(args, "sha256", sha256);
            putArg(args, "disk", disk);
            putArg(args, "format", format);
            putArg(args, "device", device);
            putArg(args, "command", command);
            JobRequestJson req;
            if (script != null) {
                if (!args.isEmpty()) throw new CliException("--image, --sha256, --disk, --format, --device, --command and --arg are for --builtin");
                byte[] bytes = readScript(script);
                req = new JobRequestJson(name != null ? name : script.getFileName().toString(), new String(bytes, StandardCharsets.UTF_8), null, null, vars, timeout,
                        endRescue ? Boolean.TRUE : null, rescue ? Boolean.TRUE : null, installed ? Boolean.TRUE : null);
            } else {
                req = new JobRequestJson(null, null, builtin, args, vars, timeout, endRescue ? Boolean.TRUE : null, rescue ? Boolean.TRUE : null,
                        installed ? Boolean.TRUE : null);
            }
            JobJson j = opts.client().send("POST", "hosts/" + Out.path(host) + "/jobs", req, JobJson.class);
            return Out.emit(spec, opts.json, j, out -> {
                out.println(j.id());
                if (j.rescue() != null) System.err.println(j.rescue().detail());
            });
        }

        private static void putArg(Map<String, String> args, String name, String value) {
            if (value == null) return;
            if (args.put(name, value) != null) throw new CliException("--" + name + " is given twice (also as --arg)");
        }
    }

    static Map<String, String> pairs(String option, List<String> given) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : given) {
            int eq = e.indexOf('=');
            if (eq <= 0) throw new CliException(option + " " + e + ": expected NAME=VALUE");
            if (vars.put(e.substring(0, eq), e.substring(eq + 1)) != null) throw new CliException(option + " " + e.substring(0, eq) + " is given twice");
        }
        return vars;
    }

    @Command(name = "builtins", description = "The built-in jobs and their arguments.")
    static final class ListBuiltins extends ApiCommand {
        @Override
        public Integer call() {
            List<io.netrescue.api.JobApi.BuiltinJson> all = opts.client().get("jobs/builtins", new TypeReference<List<io.netrescue.api.JobApi.BuiltinJson>>() {});
            return Out.emit(spec, opts.json, all, out -> {
                for (var b : all) {
                    out.println(b.name() + " (default timeout " + b.timeoutSeconds() + " s): " + b.summary());
                    for (var a : b.args()) out.println("    --" + a.name() + (a.required() ? " (required)" : "") + ": " + a.help());
                }
            });
        }
    }

    static byte[] readScript(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_SCRIPT + 1);
            if (b.length > MAX_SCRIPT) throw new CliException(file + ": larger than 1 MiB; a job's script is at most that");
            if (b.length == 0) throw new CliException(file + ": empty");
            return b;
        } catch (NoSuchFileException e) {
            throw new CliException("no such file: " + file);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    @Command(name = "logs", description = {"A job's output, stdout and stderr marked (err| ), then how it ended and how long it took.",
            "-f follows a queued or running job until it ends."})
    static final class Logs extends ApiCommand {
        @Parameters(paramLabel = "JOB") long id;
        @Option(names = {"-f", "--follow"}, description = "Wait for more output until the job ends.") boolean follow;
        @Option(names = "--raw", description = "The output's bytes as they are, even to a terminal (by default a terminal gets"
                + " control characters shown as \\xNN: a host's output must not drive the operator's terminal).") boolean raw;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            long after = 0;
            boolean atLineStart = true;
            String lastStream = "out";
            JobJson job;
            while (true) {
                OutputJson o = opts.client().get("jobs/" + id + "/output?after=" + after + (follow ? "&wait=25" : ""), new TypeReference<OutputJson>() {});
                job = o.job();
                for (ChunkJson c : o.chunks()) {
                    byte[] data = Base64.getDecoder().decode(c.data());
                    if (opts.json) {
                        out.println(io.netrescue.api.Json.MAPPER.writeValueAsString(c));
                    } else {
                        if (!c.stream().equals(lastStream) && !atLineStart) { // the other stream's text starts on its own line
                            out.println();
                            atLineStart = true;
                        }
                        lastStream = c.stream();
                        atLineStart = write(out, c.stream(), raw || !terminal() ? data : visible(data), atLineStart);
                    }
                    after = c.seq();
                }
                out.flush();
                boolean more = !o.chunks().isEmpty() && after < job.chunks();
                if (more) continue;
                if (!follow || job.state().equals("succeeded") || job.state().equals("failed") || job.state().equals("cancelled")
                        || job.state().equals("timed-out") || job.state().equals("lost")) {
                    break;
                }
            }
            if (!opts.json) {
                if (!atLineStart) out.println();
                out.println("-- job " + job.id() + " " + job.name() + " on " + job.host() + ": " + job.state()
                        + (job.end() != null ? " (" + job.end() + ")" : "") + (job.reason() != null ? ": " + job.reason() : "")
                        + (job.seconds() != null ? String.format(java.util.Locale.ROOT, ", %.1f s", job.seconds()) : "")
                        + (job.truncated() ? "; output truncated at " + job.outputBytes() + " bytes" : ""));
            }
            return switch (job.state()) {
                case "succeeded" -> 0;
                case "queued", "running" -> 0;
                default -> 1;
            };
        }

        /** Writes {@code data}, each stderr line prefixed "err| "; returns whether the output now stands at a line start. */
        static boolean terminal() {
            java.io.Console c = System.console();
            return c != null && c.isTerminal();
        }

        /**
         * The bytes with what a terminal would act on made visible: C0 controls but tab and newline
         * (escape sequences, carriage return, bell), DEL, C1 controls and Unicode's bidirectional
         * overrides in UTF-8, each as {@code \xNN} per byte.
         */
        static byte[] visible(byte[] data) {
            java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream(data.length + 16);
            for (int i = 0; i < data.length; i++) {
                int b = data[i] & 0xff;
                int n = 0;
                if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) n = 1;
                else if (b == 0xc2 && i + 1 < data.length && (data[i + 1] & 0xff) >= 0x80 && (data[i + 1] & 0xff) <= 0x9f) n = 2;
                else if (b == 0xe2 && i + 2 < data.length && (data[i + 1] & 0xff) == 0x80 && (data[i + 2] & 0xff) >= 0xaa && (data[i + 2] & 0xff) <= 0xae) n = 3;
                else if (b == 0xe2 && i + 2 < data.length && (data[i + 1] & 0xff) == 0x81 && (data[i + 2] & 0xff) >= 0xa6 && (data[i + 2] & 0xff) <= 0xa9) n = 3;
                if (n == 0) {
                    o.write(b);
                    continue;
                }
                for (int k = 0; k < n; k++) o.writeBytes(String.format("\\x%02x", data[i + k] & 0xff).getBytes(StandardCharsets.US_ASCII));
                i += n - 1;
            }
            return o.toByteArray();
        }

        static boolean write(PrintStream out, String stream, byte[] data, boolean atLineStart) {
            boolean err = stream.equals("err");
            for (byte b : data) {
                if (err && atLineStart) out.print("err| ");
                out.write(b);
                atLineStart = b == '\n';
            }
            return atLineStart;
        }
    }

    @Command(name = "list", description = "Jobs, newest first: every host's, or HOST's.")
    static final class ListJobs extends ApiCommand {
        @Parameters(paramLabel = "HOST", arity = "0..1") String host;

        @Override
        public Integer call() {
            List<JobJson> jobs = host == null ? opts.client().get("jobs", new TypeReference<List<JobJson>>() {})
                    : opts.client().get("hosts/" + Out.path(host) + "/jobs", new TypeReference<List<JobJson>>() {});
            return Out.emit(spec, opts.json, jobs, out -> {
                Table t = new Table("ID", "HOST", "NAME", "STATE", "END", "SECONDS", "OUTPUT", "CREATED");
                for (JobJson j : jobs) {
                    t.row(String.valueOf(j.id()), j.host(), j.name(), j.state(), j.end() == null ? "" : io.netrescue.inventory.Printable.clip(j.end()).replaceFirst("^(.{40}).+$", "$1..."),
                            j.seconds() == null ? "" : String.format(java.util.Locale.ROOT, "%.1f", j.seconds()),
                            j.outputBytes() + (j.truncated() ? "+" : ""), j.createdAt());
                }
                t.print(out);
            });
        }
    }

    @Command(name = "cancel", description = "Cancel a job: a queued one at once; a running one is killed with its process tree by its agent.")
    static final class Cancel extends ApiCommand {
        @Parameters(paramLabel = "JOB") long id;

        @Override
        public Integer call() {
            JobJson j = opts.client().send("POST", "jobs/" + id + "/cancel", null, JobJson.class);
            return Out.emit(spec, opts.json, j, out -> print(out, j));
        }
    }

    static void print(PrintWriter out, JobJson j) {
        out.println("job " + j.id() + " " + j.name() + " on " + j.host() + ": " + j.state() + (Boolean.TRUE.equals(j.cancelRequested()) ? " (cancel asked for)" : ""));
    }
}
