package io.netrescue.sysrq;

import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.sysrq.MalformedPacketException.Reason;
import io.netrescue.sysrq.SysrqMessage.Ack;
import io.netrescue.sysrq.SysrqMessage.KexecRequest;
import io.netrescue.sysrq.SysrqMessage.Request;
import io.netrescue.sysrq.SysrqMessage.Status;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bytes to messages and back (pure, no I/O). Layout, big-endian:
 * <pre>
 * "NRSQ" | version u8 = 1 | type u8 (1 request, 2 ack, 3 kexec) | flags u16 = 0 | host len u8 | host
 * request: requestId u64 | seq u64 | timestamp ms i64 | pause ms u16 | keys len u8 | keys
 * ack:     requestId u64 | seq u64 | agent time ms i64 | status u8 | executed u8 | detail len u8 | detail
 * kexec:   requestId u64 | seq u64 | timestamp ms i64 | url len u8 | manifest URL | manifest SHA-256 (32 bytes)
 * HMAC-SHA256(host key, every byte before it), 32 bytes
 * </pre>
 * Decoding checks structure first and the MAC last, in constant time; every failure is a
 * {@link MalformedPacketException} with its reason, never another exception.
 */
public final class SysrqCodec {
    public static final int MAX_DATAGRAM = 512;
    static final byte[] MAGIC = {'N', 'R', 'S', 'Q'};
    static final int MAGIC_INT = ByteBuffer.wrap(MAGIC).getInt();
    static final int VERSION = 1;
    static final int MAC_LEN = 32;
    static final int TYPE_REQUEST = 1, TYPE_ACK = 2, TYPE_KEXEC = 3;

    private SysrqCodec() {}

    /** Looks up the key for a host named in a message; empty if we have none (the packet is dropped). */
    public interface Keys {
        java.util.Optional<byte[]> keyFor(String host);
    }

    /** Checks a host name for a message field; IllegalArgumentException when it is not one. */
    public static void checkHostName(String host) {
        checkHost(host);
    }

    static void checkHost(String host) {
        try {
            HostName.check(host);
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    public static byte[] encode(SysrqMessage m, byte[] key) {
        ByteBuffer b = ByteBuffer.allocate(MAX_DATAGRAM);
        int type = switch (m) {
            case Request r -> TYPE_REQUEST;
            case Ack a -> TYPE_ACK;
            case KexecRequest k -> TYPE_KEXEC;
        };
        b.put(MAGIC).put((byte) VERSION).put((byte) type).putShort((short) 0);
        putString(b, m.host());
        switch (m) {
            case Request r -> {
                b.putLong(r.requestId()).putLong(r.seq()).putLong(r.timestampMillis()).putShort((short) r.pauseMillis());
                putString(b, r.keys().keys());
            }
            case Ack a -> {
                b.putLong(a.requestId()).putLong(a.seq()).putLong(a.agentTimeMillis()).put((byte) a.status().ordinal())
                        .put((byte) a.executed());
                putString(b, a.detail().replaceAll("[^\\x20-\\x7e]", "?"));
            }
            case KexecRequest k -> {
                b.putLong(k.requestId()).putLong(k.seq()).putLong(k.timestampMillis());
                putString(b, k.manifestUrl());
                b.put(k.manifestSha256());
            }
        }
        byte[] mac = mac(key, b.array(), b.position());
        b.put(mac);
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    /** Decodes and authenticates one datagram. */
    public static SysrqMessage decode(ByteBuffer in, Keys keys) throws MalformedPacketException {
        int len = in.remaining();
        if (len > MAX_DATAGRAM) throw new MalformedPacketException(Reason.OVERSIZED, "datagram of " + len + " bytes");
        if (len < 8 + 1 + MAC_LEN) throw new MalformedPacketException(Reason.TRUNCATED, "datagram of " + len + " bytes");
        ByteBuffer b = in.slice();
        try {
            if (b.getInt() != MAGIC_INT) throw new MalformedPacketException(Reason.BAD_MAGIC, "not a netrescue sysrq packet");
            int version = b.get() & 0xff;
            if (version != VERSION) throw new MalformedPacketException(Reason.BAD_VERSION, "version " + version);
            int type = b.get() & 0xff;
            int flags = b.getShort() & 0xffff;
            if (flags != 0) throw new MalformedPacketException(Reason.BAD_FIELD, "unknown flags " + flags + " (none are defined in version 1)");
            String host = getString(b, 63);
            SysrqMessage m;
            try {
                checkHost(host);
                m = switch (type) {
                    case TYPE_REQUEST -> {
                        long id = b.getLong(), seq = b.getLong(), ts = b.getLong();
                        int pause = b.getShort() & 0xffff;
                        String k = getString(b, SysrqKeys.MAX);
                        yield new Request(host, id, seq, ts, pause, new SysrqKeys(k));
                    }
                    case TYPE_ACK -> {
                        long id = b.getLong(), seq = b.getLong(), ts = b.getLong();
                        int st = b.get() & 0xff;
                        if (st >= Status.values().length) throw new MalformedPacketException(Reason.BAD_FIELD, "status " + st);
                        int executed = b.get() & 0xff;
                        String detail = getString(b, 120);
                        yield new Ack(host, id, seq, ts, Status.values()[st], executed, detail);
                    }
                    case TYPE_KEXEC -> {
                        long id = b.getLong(), seq = b.getLong(), ts = b.getLong();
                        String url = getString(b, KexecRequest.MAX_URL);
                        byte[] sha = new byte[32];
                        b.get(sha);
                        yield new KexecRequest(host, id, seq, ts, url, sha);
                    }
                    default -> throw new MalformedPacketException(Reason.BAD_TYPE, "type " + type);
                };
            } catch (IllegalArgumentException | InvalidInputException e) {
                throw new MalformedPacketException(Reason.BAD_FIELD, e.getMessage());
            }
            int signed = b.position();
            if (b.remaining() != MAC_LEN) {
                throw new MalformedPacketException(b.remaining() < MAC_LEN ? Reason.TRUNCATED : Reason.BAD_FIELD,
                        (b.remaining() - MAC_LEN) + " bytes after the fields");
            }
            verify(keys, host, in, b, signed);
            return m;
        } catch (BufferUnderflowException e) {
            throw new MalformedPacketException(Reason.TRUNCATED, "datagram ends inside a field");
        }
    }

    /** A length-prefixed ASCII string (shared with the heartbeat codec). */
    public static void putString(ByteBuffer b, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        b.put((byte) x.length).put(x);
    }

    /** Reads what {@link #putString} wrote: at most {@code max} printable ASCII bytes, or a reasoned refusal. */
    public static String getString(ByteBuffer b, int max) throws MalformedPacketException {
        int n = b.get() & 0xff;
        if (n > max) throw new MalformedPacketException(Reason.BAD_FIELD, "string of " + n + " bytes (max " + max + ")");
        byte[] x = new byte[n];
        b.get(x);
        for (byte c : x) {
            if (c < 0x20 || c > 0x7e) throw new MalformedPacketException(Reason.BAD_FIELD, "non-printable byte in a string");
        }
        return new String(x, StandardCharsets.US_ASCII);
    }

    /**
     * One HMAC engine per thread: {@code Mac.getInstance} looks the provider up on every call, which
     * was a large share of the server's cost per heartbeat at fleet scale. {@code init} resets it.
     */
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    public static byte[] mac(byte[] key, byte[] data, int len) {
        Mac mac = engine(key);
        mac.update(data, 0, len);
        return mac.doFinal();
    }

    /** The MAC of {@code len} bytes of {@code data} from its position, without copying them or moving the buffer. */
    public static byte[] mac(byte[] key, ByteBuffer data, int len) {
        Mac mac = engine(key);
        mac.update(data.slice(data.position(), len));
        return mac.doFinal();
    }

    /**
     * Checks a datagram's trailing MAC: {@code b} is positioned at it, {@code in} starts at the datagram,
     * whose first {@code signed} bytes it covers. Every codec of the host's key ends this way.
     */
    public static void verify(Keys keys, String host, ByteBuffer in, ByteBuffer b, int signed) throws MalformedPacketException {
        byte[] key = keys.keyFor(host).orElseThrow(() -> new MalformedPacketException(Reason.BAD_MAC, "no key for host " + host));
        byte[] got = new byte[MAC_LEN];
        b.get(got);
        if (!MessageDigest.isEqual(got, mac(key, in, signed))) {
            throw new MalformedPacketException(Reason.BAD_MAC, "authentication failed for host " + host);
        }
    }

    private static Mac engine(byte[] key) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
        return mac;
    }
}
