package io.netrescue.watchdog;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.MalformedPacketException.Reason;
import io.netrescue.sysrq.SysrqCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Heartbeats to bytes and back (pure, no I/O). Layout, big-endian (docs/protocols/heartbeat.md):
 * <pre>
 * "NRHB" | version u8 = 1 | flags u8 | host len u8 | host | boot id 16 | seq u64 | sent ms i64
 * | uptime ms u64 | load x1000 u32 | kernel len u8 | kernel | [xt len u8 | xt] | HMAC-SHA256(host key, every byte before it)
 * </pre>
 * Flag bit 0 ({@link #FLAG_XT}) says the xt_SYSRQ version field is there; other bits are refused.
 * The key is the host's SysRq key (the agent already holds it; the server derives it from the master
 * key), under a different magic so a heartbeat can never be taken for a SysRq message or back.
 */
public final class HeartbeatCodec {
    public static final int MAX_DATAGRAM = 256;
    static final int MAGIC = 0x4e524842; // "NRHB"
    static final int VERSION = 1;
    static final int MAC_LEN = 32;
    static final int FLAG_XT = 1;
    private static final int MIN = 4 + 1 + 1 + 1 + 16 + 8 + 8 + 8 + 4 + 1 + MAC_LEN;

    private HeartbeatCodec() {}

    /** Encodes into {@code out} (cleared first; at least {@link #MAX_DATAGRAM} bytes) so a sender can reuse one buffer. */
    public static void encode(Heartbeat h, byte[] key, ByteBuffer out) {
        out.clear();
        boolean xt = !h.xtSysrq().isEmpty();
        out.putInt(MAGIC).put((byte) VERSION).put((byte) (xt ? FLAG_XT : 0));
        SysrqCodec.putString(out, h.host());
        out.putLong(h.bootId().getMostSignificantBits()).putLong(h.bootId().getLeastSignificantBits());
        out.putLong(h.seq()).putLong(h.sentMillis()).putLong(h.uptimeMillis()).putInt(h.loadMilli());
        SysrqCodec.putString(out, h.kernel());
        if (xt) SysrqCodec.putString(out, h.xtSysrq());
        out.put(SysrqCodec.mac(key, out.array(), out.position()));
        out.flip();
    }

    public static byte[] encode(Heartbeat h, byte[] key) {
        ByteBuffer b = ByteBuffer.allocate(MAX_DATAGRAM);
        encode(h, key, b);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Decodes and authenticates one datagram; every failure is a {@link MalformedPacketException} with its reason. */
    public static Heartbeat decode(ByteBuffer in, SysrqCodec.Keys keys) throws MalformedPacketException {
        int len = in.remaining();
        if (len > MAX_DATAGRAM) throw new MalformedPacketException(Reason.OVERSIZED, "datagram of " + len + " bytes");
        if (len >= 4 && in.getInt(in.position()) != MAGIC) throw new MalformedPacketException(Reason.BAD_MAGIC, "not a netrescue heartbeat");
        if (len < MIN) throw new MalformedPacketException(Reason.TRUNCATED, "datagram of " + len + " bytes");
        ByteBuffer b = in.slice();
        try {
            if (b.getInt() != MAGIC) throw new MalformedPacketException(Reason.BAD_MAGIC, "not a netrescue heartbeat");
            int version = b.get() & 0xff;
            if (version != VERSION) throw new MalformedPacketException(Reason.BAD_VERSION, "version " + version);
            int flags = b.get() & 0xff;
            if ((flags & ~FLAG_XT) != 0) throw new MalformedPacketException(Reason.BAD_FIELD, "unknown flags " + flags);
            String host = SysrqCodec.getString(b, 63);
            UUID boot = new UUID(b.getLong(), b.getLong());
            long seq = b.getLong(), sent = b.getLong(), uptime = b.getLong();
            int load = b.getInt();
            String kernel = SysrqCodec.getString(b, Heartbeat.MAX_KERNEL);
            String xt = "";
            if ((flags & FLAG_XT) != 0) {
                xt = SysrqCodec.getString(b, io.netrescue.sysrq.XtSysrqVersion.MAX);
                if (xt.isEmpty()) throw new MalformedPacketException(Reason.BAD_FIELD, "empty xt_SYSRQ version");
            }
            int signed = b.position();
            if (b.remaining() != MAC_LEN) {
                throw new MalformedPacketException(b.remaining() < MAC_LEN ? Reason.TRUNCATED : Reason.BAD_FIELD,
                        (b.remaining() - MAC_LEN) + " bytes after the fields");
            }
            Heartbeat h;
            try {
                h = new Heartbeat(host, boot, seq, sent, uptime, load, kernel, xt);
            } catch (IllegalArgumentException e) {
                throw new MalformedPacketException(Reason.BAD_FIELD, e.getMessage());
            }
            SysrqCodec.verify(keys, host, in, b, signed);
            return h;
        } catch (BufferUnderflowException e) {
            throw new MalformedPacketException(Reason.TRUNCATED, "datagram ends inside a field");
        }
    }

}
