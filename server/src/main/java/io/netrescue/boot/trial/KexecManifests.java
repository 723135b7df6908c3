package io.netrescue.boot.trial;

import io.netrescue.boot.Profile;
import io.netrescue.boot.http.BootService;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.kexec.KexecManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The manifests of kexec trials under way, served at {@code /kexec/manifest?token=T} until their
 * deadline. The server vouches for the kernel and initrds by their SHA-256, so it only names files it
 * holds (in the assets directory) and hashes them itself; a profile with http(s) URLs is refused for
 * kexec: whatever such a URL returns at fetch time is nothing the server has seen. Kept in memory and
 * keyed by the token's hash: after a server restart the agent's fetch fails and it refuses the kexec,
 * which leaves the host as it was.
 */
public final class KexecManifests {
    public static final String PATH = "/kexec/manifest";

    private final Path assets;
    private final Clock clock;
    private final Map<String, Served> byTokenHash = new ConcurrentHashMap<>();

    private record Served(byte[] bytes, Instant until) {}

    /** A manifest ready to be announced: where the agent fetches it and the SHA-256 it must have. */
    public record Prepared(String url, byte[] sha256, KexecManifest manifest) {}

    public KexecManifests(Path assets, Clock clock) {
        this.assets = assets;
        this.clock = clock;
    }

    /** The kernel and initrd entries of {@code p}, hashed now; refuses URLs and missing files. */
    public List<KexecManifest.Entry> files(Profile p, String baseUrl) {
        List<KexecManifest.Entry> out = new ArrayList<>();
        out.add(entry("kernel", p.kernel(), baseUrl));
        for (String i : p.initrds()) out.add(entry("initrd", i, baseUrl));
        if (out.size() - 1 > KexecManifest.MAX_INITRDS) throw new InvalidInputException("a kexec trial takes at most " + KexecManifest.MAX_INITRDS + " initrds");
        return out;
    }

    private KexecManifest.Entry entry(String what, String source, String baseUrl) {
        if (Profile.isUrl(source)) {
            throw new InvalidInputException("profile's " + what + " is a URL (" + source + "): for --kexec the server must hash the bytes it vouches"
                    + " for, so put the file in the assets directory and name it by its path there");
        }
        Path f = assets.resolve(source).normalize();
        try {
            if (!f.startsWith(assets) || !Files.isRegularFile(f)) throw new InvalidInputException(what + " " + source + " is not a file in the assets directory");
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            long n = 0;
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[256 * 1024];
                int k;
                while ((k = in.read(buf)) > 0) {
                    d.update(buf, 0, k);
                    n += k;
                }
            }
            return new KexecManifest.Entry(n, HexFormat.of().formatHex(d.digest()), BootService.assetUrl(baseUrl, source));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + source + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the manifest for {@code token} until {@code until}; the agent is told its URL and hash. */
    public Prepared publish(String token, List<KexecManifest.Entry> files, String cmdline, String baseUrl, Instant until) {
        KexecManifest m = new KexecManifest(files.getFirst(), files.subList(1, files.size()), cmdline);
        byte[] bytes = m.bytes();
        byTokenHash.put(hash(token), new Served(bytes, until));
        expire();
        return new Prepared(baseUrl + PATH + "?token=" + token, sha256(bytes), m);
    }

    public void forget(String token) {
        byTokenHash.remove(hash(token));
    }

    /** The manifest for a token, while its trial may still use it. */
    public Optional<byte[]> serve(String token) {
        if (token == null || !token.matches("[0-9a-f]{48}")) return Optional.empty();
        Served s = byTokenHash.get(hash(token));
        return s == null || !clock.instant().isBefore(s.until) ? Optional.empty() : Optional.of(s.bytes);
    }

    private void expire() {
        Instant now = clock.instant();
        byTokenHash.values().removeIf(s -> !now.isBefore(s.until));
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(String token) {
        return HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.US_ASCII)));
    }
}
