package io.netrescue.kexec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the agent needs for a kexec that does not fit in a datagram: the kernel and initrds (URL, size,
 * SHA-256 each) and the command line, per-boot token filled in. The server serves it over HTTP; the
 * authenticated {@code KexecRequest} carries its SHA-256, so its bytes are as trusted as the request.
 * A line format rather than JSON: the agent has no JSON parser, and one meaning per line with a single
 * canonical spelling is easy to parse strictly (and to fuzz):
 * <pre>
 * netrescue-kexec-manifest 1
 * kernel SIZE SHA256 URL
 * initrd SIZE SHA256 URL        (0 to 8 lines, loaded in this order)
 * cmdline TEXT
 * </pre>
 * SIZE is decimal bytes without leading zeros, SHA256 64 lower-case hex digits, every line ends with
 * LF, and every byte is printable ASCII.
 */
public record KexecManifest(Entry kernel, List<Entry> initrds, String cmdline) {
    public static final String HEADER = "netrescue-kexec-manifest 1";
    public static final int MAX_BYTES = 16 * 1024;
    public static final int MAX_INITRDS = 8;
    /** x86's COMMAND_LINE_SIZE, and the limit profiles already have. */
    public static final int MAX_CMDLINE = 2048;
    /** 4 GiB: more than any kernel or initrd, and the agent's download buffer is streamed, never this big. */
    public static final long MAX_FILE = 1L << 32;
    private static final Pattern URL = Pattern.compile("https?://[\\x21-\\x7e]{1,1000}");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,12}");

    /** One file to fetch and verify. */
    public record Entry(long size, String sha256, String url) {
        public Entry {
            if (size < 0 || size > MAX_FILE) throw new IllegalArgumentException("file size out of range: " + size);
            if (sha256 == null || !SHA.matcher(sha256).matches()) throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits");
            if (url == null || !URL.matcher(url).matches()) throw new IllegalArgumentException("file URL must be http(s) without spaces");
        }
    }

    public KexecManifest {
        if (kernel == null) throw new IllegalArgumentException("a manifest needs a kernel");
        initrds = List.copyOf(initrds);
        if (initrds.size() > MAX_INITRDS) throw new IllegalArgumentException("at most " + MAX_INITRDS + " initrds");
        cmdline = cmdline == null ? "" : cmdline;
        if (cmdline.length() > MAX_CMDLINE) throw new IllegalArgumentException("command line longer than " + MAX_CMDLINE);
        for (int i = 0; i < cmdline.length(); i++) {
            char c = cmdline.charAt(i);
            if (c < 0x20 || c > 0x7e) throw new IllegalArgumentException("command line must be printable ASCII");
        }
        if (render(kernel, initrds, cmdline).length() > MAX_BYTES) throw new IllegalArgumentException("manifest over " + MAX_BYTES + " bytes");
    }

    public String render() {
        return render(kernel, initrds, cmdline);
    }

    public byte[] bytes() {
        return render().getBytes(StandardCharsets.US_ASCII);
    }

    private static String render(Entry kernel, List<Entry> initrds, String cmdline) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        line(b, "kernel", kernel);
        for (Entry i : initrds) line(b, "initrd", i);
        return b.append("cmdline ").append(cmdline).append('\n').toString();
    }

    private static void line(StringBuilder b, String kind, Entry e) {
        b.append(kind).append(' ').append(e.size()).append(' ').append(e.sha256()).append(' ').append(e.url()).append('\n');
    }

    /** Parses exactly the canonical form {@link #render} writes; anything else is refused with the reason. */
    public static KexecManifest parse(byte[] in) throws MalformedManifestException {
        if (in.length > MAX_BYTES) throw new MalformedManifestException("manifest of " + in.length + " bytes (max " + MAX_BYTES + ")");
        for (byte c : in) {
            if (c != '\n' && (c < 0x20 || c > 0x7e)) throw new MalformedManifestException("manifest has a byte that is not printable ASCII");
        }
        String s = new String(in, StandardCharsets.US_ASCII);
        if (!s.endsWith("\n")) throw new MalformedManifestException("manifest does not end with a newline");
        String[] lines = s.substring(0, s.length() - 1).split("\n", -1);
        if (!lines[0].equals(HEADER)) throw new MalformedManifestException("not a version 1 kexec manifest (first line '" + clip(lines[0]) + "')");
        Entry kernel = null;
        List<Entry> initrds = new ArrayList<>();
        String cmdline = null;
        for (int n = 1; n < lines.length; n++) {
            String l = lines[n];
            if (cmdline != null) throw new MalformedManifestException("line " + (n + 1) + ": nothing may follow the cmdline line");
            if (l.startsWith("cmdline ")) {
                if (kernel == null) throw new MalformedManifestException("line " + (n + 1) + ": cmdline before kernel");
                cmdline = l.substring("cmdline ".length());
            } else if (l.startsWith("kernel ")) {
                if (kernel != null) throw new MalformedManifestException("line " + (n + 1) + ": a second kernel");
                kernel = entry(l.substring("kernel ".length()), n + 1);
            } else if (l.startsWith("initrd ")) {
                if (kernel == null) throw new MalformedManifestException("line " + (n + 1) + ": initrd before kernel");
                if (initrds.size() == MAX_INITRDS) throw new MalformedManifestException("more than " + MAX_INITRDS + " initrds");
                initrds.add(entry(l.substring("initrd ".length()), n + 1));
            } else {
                throw new MalformedManifestException("line " + (n + 1) + ": unknown line '" + clip(l) + "'");
            }
        }
        if (kernel == null) throw new MalformedManifestException("manifest names no kernel");
        if (cmdline == null) throw new MalformedManifestException("manifest has no cmdline line");
        try {
            return new KexecManifest(kernel, initrds, cmdline);
        } catch (IllegalArgumentException e) {
            throw new MalformedManifestException(e.getMessage());
        }
    }

    private static Entry entry(String rest, int line) throws MalformedManifestException {
        String[] f = rest.split(" ", -1);
        if (f.length != 3) throw new MalformedManifestException("line " + line + ": expected SIZE SHA256 URL");
        if (!SIZE.matcher(f[0]).matches()) throw new MalformedManifestException("line " + line + ": size '" + clip(f[0]) + "' is not a canonical number");
        try {
            return new Entry(Long.parseLong(f[0]), f[1], f[2]);
        } catch (IllegalArgumentException e) {
            throw new MalformedManifestException("line " + line + ": " + e.getMessage());
        }
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
