package io.netrescue.agent;

import io.netrescue.kexec.KexecManifest;
import io.netrescue.kexec.MalformedManifestException;
import io.netrescue.sysrq.SysrqMessage.KexecRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Carries out an authentic {@link KexecRequest}: fetches the manifest and checks it against the
 * request's SHA-256, fetches the kernel and initrds into {@code kexec-dir} checking each one's size
 * and SHA-256 while it streams, loads them with {@code kexec -l}, and (after the ack has left) starts
 * the loaded kernel. Every refusal is a {@link Refused} whose message goes into the ack.
 */
final class KexecRunner {
    private static final System.Logger log = System.getLogger("netrescue.agent");
    static final String KERNEL = "kernel", INITRD = "initrd";

    /** Why the kexec did not happen; short, it is the ack's detail (120 characters). */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** What {@code kexec -l} loaded. */
    record Loaded(long kernelBytes, long initrdBytes, int initrds) {}

    private final KexecSettings settings;

    KexecRunner(KexecSettings settings) {
        this.settings = settings;
    }

    Loaded prepare(KexecRequest r) throws Refused {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.timeoutSeconds());
        byte[] raw = fetchManifest(r.manifestUrl(), deadline);
        if (!MessageDigest.isEqual(sha256(raw), r.manifestSha256())) throw new Refused("manifest checksum mismatch");
        KexecManifest m;
        try {
            m = KexecManifest.parse(raw);
        } catch (MalformedManifestException e) {
            throw new Refused("bad manifest: " + e.getMessage());
        }
        Path dir = settings.dir();
        try {
            clean(dir);
            long need = m.kernel().size() + m.initrds().stream().mapToLong(KexecManifest.Entry::size).sum();
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < need) throw new Refused("no room in " + dir + ": " + need + " bytes needed, " + free + " free");
        } catch (IOException e) {
            throw new Refused("cannot prepare " + dir + ": " + e.getMessage());
        }
        Path kernel = dir.resolve(KERNEL), initrd = dir.resolve(INITRD);
        try (OutputStream out = create(kernel)) {
            fetch("kernel", m.kernel(), out, deadline);
        } catch (IOException e) {
            throw new Refused("cannot write " + kernel + ": " + e.getMessage());
        }
        long initrdBytes = 0;
        if (!m.initrds().isEmpty()) {
            // several initrds are concatenated, which the kernel unpacks in order (as boot loaders do)
            try (OutputStream out = create(initrd)) {
                for (int i = 0; i < m.initrds().size(); i++) {
                    fetch("initrd " + (i + 1), m.initrds().get(i), out, deadline);
                    initrdBytes += m.initrds().get(i).size();
                }
            } catch (IOException e) {
                throw new Refused("cannot write " + initrd + ": " + e.getMessage());
            }
        }
        List<String> load = new ArrayList<>(List.of(settings.kexec().toString(), "-l", kernel.toString()));
        if (!m.initrds().isEmpty()) load.add("--initrd=" + initrd);
        // the command line holds this boot's report token: visible in ps for the moment kexec -l runs,
        // as it will be in the new kernel's /proc/cmdline (docs/host-preparation.md)
        load.add("--command-line=" + m.cmdline());
        run(load, "kexec -l", deadline);
        return new Loaded(m.kernel().size(), initrdBytes, m.initrds().size());
    }

    /** Starts the loaded kernel; returns only if that failed (or, with systemctl, once the job is queued). */
    void execute() throws Refused {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        switch (settings.execute()) {
            case DIRECT -> run(List.of(settings.kexec().toString(), "-e"), "kexec -e", deadline);
            case SYSTEMCTL -> run(List.of(settings.systemctl().toString(), "kexec"), "systemctl kexec", deadline);
        }
    }

    String how() {
        return settings.execute() == KexecSettings.Execute.DIRECT ? "kexec -e" : "systemctl kexec";
    }

    private static byte[] fetchManifest(String url, long deadline) throws Refused {
        HttpURLConnection c = open(url, "manifest", deadline);
        try (InputStream in = c.getInputStream()) {
            byte[] b = in.readNBytes(KexecManifest.MAX_BYTES + 1);
            if (b.length > KexecManifest.MAX_BYTES) throw new Refused("manifest over " + KexecManifest.MAX_BYTES + " bytes");
            return b;
        } catch (IOException e) {
            throw new Refused("manifest: " + e.getMessage());
        } finally {
            c.disconnect();
        }
    }

    /** Streams one file into {@code out}, refusing as soon as it is longer than declared, and checks its hash. */
    private static void fetch(String what, KexecManifest.Entry e, OutputStream out, long deadline) throws Refused, IOException {
        HttpURLConnection c = open(e.url(), what, deadline);
        MessageDigest d = digest();
        long n = 0;
        try (InputStream in = c.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) {
                n += k;
                if (n > e.size()) throw new Refused(what + " is longer than the " + e.size() + " bytes in the manifest");
                if (System.nanoTime() > deadline) throw new Refused(what + ": not fetched within kexec-timeout-seconds");
                d.update(buf, 0, k);
                out.write(buf, 0, k);
            }
        } catch (IOException x) {
            throw new Refused(what + ": " + x.getMessage());
        } finally {
            c.disconnect();
        }
        if (n != e.size()) throw new Refused(what + " has " + n + " bytes, the manifest says " + e.size());
        if (!HexFormat.of().formatHex(d.digest()).equals(e.sha256())) throw new Refused(what + " checksum mismatch");
    }

    private static HttpURLConnection open(String url, String what, long deadline) throws Refused {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            int left = (int) Math.max(1000, Math.min(30_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            c.setConnectTimeout(left);
            c.setReadTimeout(left);
            c.setInstanceFollowRedirects(false); // the URL is what the authenticated request or manifest named
            c.setUseCaches(false);
            int status = c.getResponseCode();
            if (status != 200) {
                c.disconnect();
                throw new Refused(what + ": HTTP " + status + " from the server");
            }
            return c;
        } catch (IOException | IllegalArgumentException e) {
            throw new Refused(what + ": " + e.getMessage());
        }
    }

    private static void run(List<String> cmd, String name, long deadline) throws Refused {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // read its output on the side: a chatty process must not block on a full pipe
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
            long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!p.waitFor(wait, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new Refused(name + " did not finish in time");
            }
            reader.join(1000);
            if (p.exitValue() != 0) {
                String text = out.toString(StandardCharsets.UTF_8).strip();
                String last = text.isEmpty() ? "" : ": " + text.substring(text.lastIndexOf('\n') + 1);
                throw new Refused(name + " failed (exit " + p.exitValue() + ")" + last);
            }
        } catch (IOException e) {
            throw new Refused(name + ": cannot run " + cmd.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(name + " interrupted");
        }
    }

    /** The directory holds only what the last kexec fetched; anything else in it is left alone. */
    private static void clean(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.deleteIfExists(dir.resolve(KERNEL));
        Files.deleteIfExists(dir.resolve(INITRD));
    }

    private static OutputStream create(Path p) throws IOException {
        Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.newOutputStream(p, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static byte[] sha256(byte[] b) {
        return digest().digest(b);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void logRefusal(KexecRequest r, String why) {
        log.log(System.Logger.Level.WARNING, "kexec seq=" + Long.toUnsignedString(r.seq()) + " refused: " + why);
    }
}
