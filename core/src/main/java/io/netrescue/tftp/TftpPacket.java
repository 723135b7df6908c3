package io.netrescue.tftp;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/** The six TFTP packets (RFC 1350 and RFC 2347's OACK). Constructors enforce what the wire can carry. */
public sealed interface TftpPacket {
    int OP_RRQ = 1, OP_WRQ = 2, OP_DATA = 3, OP_ACK = 4, OP_ERROR = 5, OP_OACK = 6;
    /** RFC 2348's largest block size: a 65535-byte IP datagram minus IP, UDP and TFTP headers. */
    int MAX_BLOCK_SIZE = 65464;
    int DEFAULT_BLOCK_SIZE = 512;

    /** RRQ and WRQ share their layout. */
    sealed interface Request extends TftpPacket {
        String filename();

        TransferMode mode();

        List<TftpOption> options();
    }

    record ReadRequest(String filename, TransferMode mode, List<TftpOption> options) implements Request {
        public ReadRequest {
            filename = checkString("filename", filename, false);
            Objects.requireNonNull(mode, "mode");
            options = checkOptions(options);
        }
    }

    record WriteRequest(String filename, TransferMode mode, List<TftpOption> options) implements Request {
        public WriteRequest {
            filename = checkString("filename", filename, false);
            Objects.requireNonNull(mode, "mode");
            options = checkOptions(options);
        }
    }

    /** @param block the 16-bit wire block number (it rolls over to 0 after 65535) */
    record Data(int block, byte[] payload) implements TftpPacket {
        public Data {
            checkU16("block", block);
            if (payload.length > MAX_BLOCK_SIZE) throw new IllegalArgumentException("payload over " + MAX_BLOCK_SIZE + " bytes");
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        public int length() {
            return payload.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.block == block && Arrays.equals(d.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * block + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Data[block=" + block + ", length=" + payload.length + ", head="
                    + HexFormat.of().formatHex(payload, 0, Math.min(16, payload.length)) + "]";
        }
    }

    record Ack(int block) implements TftpPacket {
        public Ack {
            checkU16("block", block);
        }
    }

    /** @param code the raw error code (see {@link ErrorCode}; other values still parse) */
    record Error(int code, String message) implements TftpPacket {
        public Error {
            checkU16("code", code);
            message = checkString("message", message, true);
        }

        public Error(ErrorCode code, String message) {
            this(code.code(), message);
        }
    }

    record OptionAck(List<TftpOption> options) implements TftpPacket {
        public OptionAck {
            options = checkOptions(options);
            if (options.isEmpty()) throw new IllegalArgumentException("an OACK carries at least one option");
        }
    }

    private static void checkU16(String what, int v) {
        if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException(what + " " + v + " is not a 16-bit unsigned number");
    }

    private static String checkString(String what, String s, boolean emptyOk) {
        Objects.requireNonNull(s, what);
        if (!emptyOk && s.isEmpty()) throw new IllegalArgumentException(what + " is empty");
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains NUL");
        return s;
    }

    private static List<TftpOption> checkOptions(List<TftpOption> options) {
        List<TftpOption> copy = List.copyOf(options);
        for (TftpOption o : copy) {
            checkString("option name", o.name(), false);
            checkString("option value", o.value(), true);
        }
        return copy;
    }
}
