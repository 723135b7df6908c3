package io.netrescue.watchdog;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.MalformedPacketException.Reason;
import io.netrescue.sysrq.SysrqCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Heartbeat answers to bytes and back (pure, no I/O). Layout, big-endian (docs/protocols/heartbeat.md):
 * <pre>
 * "NRHA" | version u8 = 1 | flags u8 = 0 | host len u8 | host | boot id 16 | seq u64 | server ms i64
 * | maintenance u8 (0 none, 1 window, 2 manual) | until ms u64 | HMAC-SHA256(host key, every byte before it)
 * </pre>
 * Its own magic: neither a heartbeat nor a SysRq message can be taken for an answer or back, though
 * all three are signed with the same host key.
 */
public final class HeartbeatAnswerCodec {
    public static final int MAX_DATAGRAM = 160;
    static final int MAGIC = 0x4e524841; // "NRHA"
    static final int VERSION = 1;
    static final int MAC_LEN = 32;
    private static final int MIN = 4 + 1 + 1 + 1 + 16 + 8 + 8 + 1 + 8 + MAC_LEN;

    private HeartbeatAnswerCodec() {}

    public static byte[] encode(HeartbeatAnswer a, byte[] key) {
        ByteBuffer out = ByteBuffer.allocate(MAX_DATAGRAM);
        out.putInt(MAGIC).put((byte) VERSION).put((byte) 0);
        SysrqCodec.putString(out, a.host());
        out.putLong(a.bootId().getMostSignificantBits()).putLong(a.bootId().getLeastSignificantBits());
        out.putLong(a.seq()).putLong(a.serverMillis()).put((byte) a.maintenance().ordinal()).putLong(a.maintenanceUntilMillis());
        out.put(SysrqCodec.mac(key, out.array(), out.position()));
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    /** Decodes and authenticates one datagram; every failure is a {@link MalformedPacketException} with its reason. */
    public static HeartbeatAnswer decode(ByteBuffer in, SysrqCodec.Keys keys) throws MalformedPacketException {
        int len = in.remaining();
        if (len > MAX_DATAGRAM) throw new MalformedPacketException(Reason.OVERSIZED, "datagram of " + len + " bytes");
        if (len >= 4 && in.getInt(in.position()) != MAGIC) throw new MalformedPacketException(Reason.BAD_MAGIC, "not a netrescue heartbeat answer");
        if (len < MIN) throw new MalformedPacketException(Reason.TRUNCATED, "datagram of " + len + " bytes");
        ByteBuffer b = in.slice();
        try {
            b.getInt();
            int version = b.get() & 0xff;
            if (version != VERSION) throw new MalformedPacketException(Reason.BAD_VERSION, "version " + version);
            int flags = b.get() & 0xff;
            if (flags != 0) throw new MalformedPacketException(Reason.BAD_FIELD, "unknown flags " + flags);
            String host = SysrqCodec.getString(b, 63);
            UUID boot = new UUID(b.getLong(), b.getLong());
            long seq = b.getLong(), server = b.getLong();
            int m = b.get() & 0xff;
            long until = b.getLong();
            if (m >= HeartbeatAnswer.Maintenance.values().length) throw new MalformedPacketException(Reason.BAD_FIELD, "unknown maintenance " + m);
            int signed = b.position();
            if (b.remaining() != MAC_LEN) {
                throw new MalformedPacketException(b.remaining() < MAC_LEN ? Reason.TRUNCATED : Reason.BAD_FIELD,
                        (b.remaining() - MAC_LEN) + " bytes after the fields");
            }
            HeartbeatAnswer a;
            try {
                a = new HeartbeatAnswer(host, boot, seq, server, HeartbeatAnswer.Maintenance.values()[m], until);
            } catch (IllegalArgumentException e) {
                throw new MalformedPacketException(Reason.BAD_FIELD, e.getMessage());
            }
            SysrqCodec.verify(keys, host, in, b, signed);
            return a;
        } catch (BufferUnderflowException e) {
            throw new MalformedPacketException(Reason.TRUNCATED, "datagram ends inside a field");
        }
    }
}
