package io.netrescue.tftp;

/** RFC 1350 / RFC 764 netascii for sending: LF becomes CR LF, a bare CR becomes CR NUL. */
public final class Netascii {
    private Netascii() {}

    /** The size of {@code in} once encoded. */
    public static long encodedLength(byte[] in) {
        long n = in.length;
        for (byte c : in) {
            if (c == '\n' || c == '\r') n++;
        }
        return n;
    }

    public static byte[] encode(byte[] in) {
        long n = encodedLength(in);
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("too large for netascii");
        byte[] out = new byte[(int) n];
        int o = 0;
        for (byte c : in) {
            if (c == '\n') {
                out[o++] = '\r';
                out[o++] = '\n';
            } else if (c == '\r') {
                out[o++] = '\r';
                out[o++] = 0;
            } else {
                out[o++] = c;
            }
        }
        return out;
    }
}
