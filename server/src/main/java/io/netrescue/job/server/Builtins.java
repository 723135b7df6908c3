package io.netrescue.job.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Job;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The built-in jobs: scripts shipped in this jar ({@code io/netrescue/job/builtin/NAME.sh}) that a job
 * carries like any script, so what ran is stored with the job and a rescue image built earlier runs the
 * server's current version. Their arguments become environment variables, each checked here against
 * a strict pattern before anything is queued (the scripts check them again: they are run as root).
 */
public final class Builtins {
    /** The built-in whose successful output is kept as the host's disk report. */
    public static final String DISKS = "disks";

    /** One argument: its name in the API and CLI, the variable the script reads, what it must match. */
    public record Arg(String name, String env, Pattern pattern, boolean required, String help) {}

    public record Builtin(String name, String summary, Duration timeout, List<Arg> args) {
        public Optional<Arg> arg(String n) {
            return args.stream().filter(a -> a.name().equals(n)).findFirst();
        }
    }

    /** A device path under /dev: no spaces, quotes, {@code ..} or shell metacharacters. */
    private static final Pattern DEVICE = Pattern.compile("/dev/(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._:/+-]{0,126}");
    /**
     * What reinstall.sh accepts too (no brackets, parentheses or ';'), and no credentials: the URL is
     * printed into the job's stored output.
     */
    private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9._~:/?#!&*+,=%-]{1,2000}");

    private static final Map<String, Builtin> ALL = new LinkedHashMap<>();

    static {
        add(new Builtin(DISKS, "every block device: model, serial, size, SMART/NVMe health, partitions and filesystems (JSON, kept on the host's record)",
                Duration.ofMinutes(10), List.of()));
        add(new Builtin("fsck", "a read-only check of every filesystem found, with a summary per filesystem (exit 1 when one has errors)",
                Duration.ofHours(2), List.of()));
        add(new Builtin("mount-root", "finds the installed system (root filesystem, its /etc/fstab, LVM, md RAID) and mounts it at /mnt/root",
                Duration.ofMinutes(10), List.of(
                        new Arg("device", "ROOT_DEVICE", DEVICE, false, "the root filesystem's device, when the search should not guess"),
                        new Arg("unmount", "MOUNT_ROOT_UNMOUNT", Pattern.compile("1"), false, "1: unmount everything under /mnt/root instead"))));
        add(new Builtin("chroot", "runs a command with /bin/sh -c inside the system mount-root mounted",
                Duration.ofMinutes(30), List.of(
                        new Arg("command", "CHROOT_COMMAND", Pattern.compile("[\\x20-\\x7e]{1,1024}"), true,
                                "the command line, at most 1024 printable ASCII characters"))));
        add(new Builtin("reinstall", "streams a raw or compressed (gzip, xz, zstd) image onto a disk and verifies what was written;"
                + " refuses a disk that holds mounted filesystems",
                Duration.ofHours(4), List.of(
                        new Arg("image", "IMAGE_URL", URL, true, "http(s) URL of the image"),
                        new Arg("sha256", "IMAGE_SHA256", Pattern.compile("[0-9a-f]{64}"), true, "SHA-256 of the uncompressed image, in hex"),
                        new Arg("disk", "DISK", DEVICE, true, "the whole disk to write, e.g. /dev/sda"),
                        new Arg("format", "IMAGE_FORMAT", Pattern.compile("raw|gz|xz|zst|auto"), false, "raw, gz, xz, zst or auto (by the URL's suffix)"))));
    }

    private static void add(Builtin b) {
        ALL.put(b.name(), b);
    }

    private Builtins() {}

    public static List<Builtin> all() {
        return List.copyOf(ALL.values());
    }

    public static Builtin require(String name) {
        Builtin b = ALL.get(name);
        if (b == null) throw new InvalidInputException("no built-in job '" + io.netrescue.inventory.Printable.clip(name) + "': " + String.join(", ", ALL.keySet()));
        return b;
    }

    /** The script shipped for {@code b}. */
    public static byte[] script(Builtin b) {
        String res = "/io/netrescue/job/builtin/" + b.name() + ".sh";
        try (InputStream in = Builtins.class.getResourceAsStream(res)) {
            if (in == null) throw new IllegalStateException("built-in job script " + res + " missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The environment for {@code b} with {@code args} (name to value), each checked: unknown names,
     * missing required ones and values that do not match are refused with what was expected.
     */
    public static List<Job.EnvVar> env(Builtin b, Map<String, String> args) {
        for (String n : args.keySet()) {
            if (b.arg(n).isEmpty()) {
                throw new InvalidInputException("built-in " + b.name() + " takes " + (b.args().isEmpty() ? "no arguments"
                        : "arguments " + String.join(", ", b.args().stream().map(Arg::name).toList())) + ", not '" + io.netrescue.inventory.Printable.clip(n) + "'");
            }
        }
        List<Job.EnvVar> env = new ArrayList<>();
        for (Arg a : b.args()) {
            String v = args.get(a.name());
            if (v == null || v.isEmpty()) {
                if (a.required()) throw new InvalidInputException("built-in " + b.name() + " needs " + a.name() + ": " + a.help());
                continue;
            }
            if (a.name().equals("sha256")) v = v.toLowerCase(Locale.ROOT);
            if (!a.pattern().matcher(v).matches()) {
                throw new InvalidInputException("built-in " + b.name() + ": " + a.name() + " '" + io.netrescue.inventory.Printable.clip(v) + "' is not valid (" + a.help() + ")");
            }
            env.add(new Job.EnvVar(a.env(), v));
        }
        return env;
    }

    /** A short name for the job list: the built-in and the argument that says what it acts on. */
    public static String jobName(Builtin b, Map<String, String> args) {
        String on = switch (b.name()) {
            case "reinstall" -> " " + args.getOrDefault("disk", "");
            case "mount-root" -> "1".equals(args.get("unmount")) ? " (unmount)" : "";
            default -> "";
        };
        return b.name() + on;
    }
}
