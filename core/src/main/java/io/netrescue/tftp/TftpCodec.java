package io.netrescue.tftp;

import io.netrescue.tftp.MalformedTftpException.Reason;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * TFTP packets to bytes and back. Decoding is strict: every string NUL-terminated and valid UTF-8,
 * options in complete name/value pairs, an ACK exactly 4 bytes, nothing after the last field.
 * Anything else is a {@link MalformedTftpException}, never another exception.
 */
public final class TftpCodec {
    /** The largest datagram TFTP can need: a DATA packet at the largest block size. */
    public static final int MAX_PACKET = 4 + TftpPacket.MAX_BLOCK_SIZE;
    /** More options than any client sends; bounds the work a hostile request can cause. */
    public static final int MAX_OPTIONS = 32;

    private TftpCodec() {}

    /** Decodes the buffer's remaining bytes (position to limit); the buffer's position is left unchanged. */
    public static TftpPacket decode(ByteBuffer b) throws MalformedTftpException {
        int start = b.position(), end = b.limit(), len = end - start;
        if (len < 4) throw new MalformedTftpException(Reason.TRUNCATED, "packet of " + len + " bytes is shorter than any TFTP packet");
        if (len > MAX_PACKET) throw new MalformedTftpException(Reason.OVERSIZED, "packet of " + len + " bytes is over " + MAX_PACKET);
        int op = b.getShort(start) & 0xFFFF;
        int p = start + 2;
        switch (op) {
            case TftpPacket.OP_RRQ, TftpPacket.OP_WRQ -> {
                int[] pos = {p};
                String file = string(b, pos, end, "filename");
                if (file.isEmpty()) throw new MalformedTftpException(Reason.BAD_STRING, "empty filename");
                String modeName = string(b, pos, end, "mode");
                TransferMode mode = TransferMode.parse(modeName).orElseThrow(
                        () -> new MalformedTftpException(Reason.BAD_MODE, "unknown transfer mode '" + clip(modeName) + "'"));
                List<TftpOption> options = options(b, pos, end);
                return op == TftpPacket.OP_RRQ ? new TftpPacket.ReadRequest(file, mode, options)
                        : new TftpPacket.WriteRequest(file, mode, options);
            }
            case TftpPacket.OP_DATA -> {
                if (len - 4 > TftpPacket.MAX_BLOCK_SIZE) throw new MalformedTftpException(Reason.OVERSIZED, "DATA payload over " + TftpPacket.MAX_BLOCK_SIZE);
                byte[] payload = new byte[len - 4];
                b.get(start + 4, payload);
                return new TftpPacket.Data(b.getShort(start + 2) & 0xFFFF, payload);
            }
            case TftpPacket.OP_ACK -> {
                if (len != 4) throw new MalformedTftpException(Reason.OVERSIZED, "ACK of " + len + " bytes (must be 4)");
                return new TftpPacket.Ack(b.getShort(start + 2) & 0xFFFF);
            }
            case TftpPacket.OP_ERROR -> {
                int[] pos = {start + 4};
                String msg = string(b, pos, end, "error message");
                if (pos[0] != end) throw new MalformedTftpException(Reason.OVERSIZED, "bytes after the error message");
                return new TftpPacket.Error(b.getShort(start + 2) & 0xFFFF, msg);
            }
            case TftpPacket.OP_OACK -> {
                List<TftpOption> options = options(b, new int[] {p}, end);
                if (options.isEmpty()) throw new MalformedTftpException(Reason.BAD_OPTION, "OACK without options");
                return new TftpPacket.OptionAck(options);
            }
            default -> throw new MalformedTftpException(Reason.BAD_OPCODE, "unknown opcode " + op);
        }
    }

    public static TftpPacket decode(byte[] bytes) throws MalformedTftpException {
        return decode(ByteBuffer.wrap(bytes));
    }

    public static byte[] encode(TftpPacket p) {
        ByteBuffer b = ByteBuffer.allocate(MAX_PACKET);
        encode(p, b);
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Writes the packet at the buffer's position and advances it.
     *
     * @throws BufferOverflowException if it does not fit (a request longer than {@link #MAX_PACKET})
     */
    public static void encode(TftpPacket p, ByteBuffer b) {
        switch (p) {
            case TftpPacket.ReadRequest r -> request(b, TftpPacket.OP_RRQ, r);
            case TftpPacket.WriteRequest w -> request(b, TftpPacket.OP_WRQ, w);
            case TftpPacket.Data d -> {
                putDataHeader(b, d.block());
                b.put(d.payload());
            }
            case TftpPacket.Ack a -> b.putShort((short) TftpPacket.OP_ACK).putShort((short) a.block());
            case TftpPacket.Error e -> {
                b.putShort((short) TftpPacket.OP_ERROR).putShort((short) e.code());
                putString(b, e.message());
            }
            case TftpPacket.OptionAck o -> {
                b.putShort((short) TftpPacket.OP_OACK);
                putOptions(b, o.options());
            }
        }
        if (b.position() > MAX_PACKET) throw new BufferOverflowException();
    }

    /** The hot path's DATA header: the server writes the payload after it without building a record. */
    public static void putDataHeader(ByteBuffer b, int block) {
        b.putShort((short) TftpPacket.OP_DATA).putShort((short) block);
    }

    private static void request(ByteBuffer b, int op, TftpPacket.Request r) {
        b.putShort((short) op);
        putString(b, r.filename());
        putString(b, r.mode().wireName());
        putOptions(b, r.options());
    }

    private static void putOptions(ByteBuffer b, List<TftpOption> options) {
        for (TftpOption o : options) {
            putString(b, o.name());
            putString(b, o.value());
        }
    }

    private static void putString(ByteBuffer b, String s) {
        b.put(s.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
    }

    private static List<TftpOption> options(ByteBuffer b, int[] pos, int end) throws MalformedTftpException {
        List<TftpOption> out = new ArrayList<>();
        while (pos[0] < end) {
            if (out.size() == MAX_OPTIONS) throw new MalformedTftpException(Reason.BAD_OPTION, "more than " + MAX_OPTIONS + " options");
            String name = string(b, pos, end, "option name");
            if (name.isEmpty()) throw new MalformedTftpException(Reason.BAD_OPTION, "empty option name");
            if (pos[0] >= end) throw new MalformedTftpException(Reason.BAD_OPTION, "option '" + clip(name) + "' has no value");
            out.add(new TftpOption(name, string(b, pos, end, "option value")));
        }
        return out;
    }

    /** Reads a NUL-terminated UTF-8 string at pos[0] and moves pos[0] past the NUL. */
    private static String string(ByteBuffer b, int[] pos, int end, String what) throws MalformedTftpException {
        int from = pos[0];
        int nul = from;
        boolean ascii = true;
        while (nul < end) {
            byte c = b.get(nul);
            if (c == 0) break;
            if (c < 0) ascii = false;
            nul++;
        }
        if (nul >= end) throw new MalformedTftpException(Reason.TRUNCATED, what + " is not NUL-terminated");
        pos[0] = nul + 1;
        if (ascii) {
            byte[] raw = new byte[nul - from];
            b.get(from, raw);
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b.slice(from, nul - from));
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw new MalformedTftpException(Reason.BAD_STRING, what + " is not valid UTF-8");
        }
    }

    /** Shortens untrusted text for error messages and logs, and makes it printable. */
    public static String clip(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 64; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 64) sb.append("...");
        return sb.toString();
    }
}
