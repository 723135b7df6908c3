package io.netrescue.watchdog;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.MalformedPacketException.Reason;
import io.netrescue.sysrq.SysrqCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Dead-man reports and their acks to bytes and back (pure). Big-endian (docs/protocols/heartbeat.md):
 * <pre>
 * report: "NRDR" | version u8 = 1 | flags u8 = 0 | host len u8 | host | boot id 16 | count u8 (1-4)
 *         | count x (id u64 | time ms i64 | kind len u8 | kind | detail len u8 | detail) | HMAC-SHA256
 * ack:    "NRDA" | version u8 = 1 | flags u8 = 0 | host len u8 | host | boot id 16 | up to u64 | HMAC-SHA256
 * </pre>
 * The HMAC is under the host's key, over every byte before it.
 */
public final class DeadManReportCodec {
    public static final int MAX_DATAGRAM = 1400;
    public static final int REPORT_MAGIC = 0x4e524452; // "NRDR"
    public static final int ACK_MAGIC = 0x4e524441; // "NRDA"
    static final int MAC_LEN = 32;

    private DeadManReportCodec() {}

    public static byte[] encode(DeadManReport r, byte[] key) {
        ByteBuffer out = head(REPORT_MAGIC, r.host(), r.bootId());
        out.put((byte) r.steps().size());
        for (DeadManReport.Step s : r.steps()) {
            out.putLong(s.id()).putLong(s.wallMillis());
            SysrqCodec.putString(out, s.kind());
            SysrqCodec.putString(out, s.detail());
        }
        return sign(out, key);
    }

    public static byte[] encode(DeadManReport.Ack a, byte[] key) {
        ByteBuffer out = head(ACK_MAGIC, a.host(), a.bootId());
        out.putLong(a.upTo());
        return sign(out, key);
    }

    private static ByteBuffer head(int magic, String host, UUID boot) {
        ByteBuffer out = ByteBuffer.allocate(MAX_DATAGRAM);
        out.putInt(magic).put((byte) 1).put((byte) 0);
        SysrqCodec.putString(out, host);
        return out.putLong(boot.getMostSignificantBits()).putLong(boot.getLeastSignificantBits());
    }

    private static byte[] sign(ByteBuffer out, byte[] key) {
        out.put(SysrqCodec.mac(key, out.array(), out.position()));
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    public static DeadManReport decodeReport(ByteBuffer in, SysrqCodec.Keys keys) throws MalformedPacketException {
        return decode(in, keys, REPORT_MAGIC, (b, host, boot) -> {
            int n = b.get() & 0xff;
            if (n < 1 || n > DeadManReport.MAX_STEPS) throw new MalformedPacketException(Reason.BAD_FIELD, n + " steps");
            List<DeadManReport.Step> steps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long id = b.getLong(), wall = b.getLong();
                String kind = SysrqCodec.getString(b, 32), detail = SysrqCodec.getString(b, DeadManReport.MAX_DETAIL);
                try {
                    steps.add(new DeadManReport.Step(id, wall, kind, detail));
                } catch (IllegalArgumentException e) {
                    throw new MalformedPacketException(Reason.BAD_FIELD, e.getMessage());
                }
            }
            return new DeadManReport(host, boot, steps);
        });
    }

    public static DeadManReport.Ack decodeAck(ByteBuffer in, SysrqCodec.Keys keys) throws MalformedPacketException {
        return decode(in, keys, ACK_MAGIC, (b, host, boot) -> {
            long upTo = b.getLong();
            try {
                return new DeadManReport.Ack(host, boot, upTo);
            } catch (IllegalArgumentException e) {
                throw new MalformedPacketException(Reason.BAD_FIELD, e.getMessage());
            }
        });
    }

    private interface Body<T> {
        T read(ByteBuffer b, String host, UUID boot) throws MalformedPacketException;
    }

    private static <T> T decode(ByteBuffer in, SysrqCodec.Keys keys, int magic, Body<T> body) throws MalformedPacketException {
        int len = in.remaining();
        if (len > MAX_DATAGRAM) throw new MalformedPacketException(Reason.OVERSIZED, "datagram of " + len + " bytes");
        if (len < 4 || in.getInt(in.position()) != magic) throw new MalformedPacketException(Reason.BAD_MAGIC, "not a netrescue dead-man message");
        ByteBuffer b = in.slice();
        try {
            b.getInt();
            int version = b.get() & 0xff;
            if (version != 1) throw new MalformedPacketException(Reason.BAD_VERSION, "version " + version);
            int flags = b.get() & 0xff;
            if (flags != 0) throw new MalformedPacketException(Reason.BAD_FIELD, "unknown flags " + flags);
            String host = SysrqCodec.getString(b, 63);
            try {
                SysrqCodec.checkHostName(host);
            } catch (RuntimeException e) {
                throw new MalformedPacketException(Reason.BAD_FIELD, "bad host name");
            }
            UUID boot = new UUID(b.getLong(), b.getLong());
            T t = body.read(b, host, boot);
            int signed = b.position();
            if (b.remaining() != MAC_LEN) {
                throw new MalformedPacketException(b.remaining() < MAC_LEN ? Reason.TRUNCATED : Reason.BAD_FIELD,
                        (b.remaining() - MAC_LEN) + " bytes after the fields");
            }
            SysrqCodec.verify(keys, host, in, b, signed);
            return t;
        } catch (BufferUnderflowException e) {
            throw new MalformedPacketException(Reason.TRUNCATED, "datagram ends inside a field");
        }
    }

    /** Printable ASCII, clipped: what a journal's detail becomes on the wire. */
    public static String clip(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() <= DeadManReport.MAX_DETAIL ? p : p.substring(0, DeadManReport.MAX_DETAIL - 3) + "...";
    }
}
