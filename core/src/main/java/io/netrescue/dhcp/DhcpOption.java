package io.netrescue.dhcp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** One DHCP option as it appeared on the wire: its code (1-254) and its data, compared by content. */
public record DhcpOption(int code, byte[] data) {
    public static final int SUBNET_MASK = 1, ROUTER = 3, DNS = 6, HOST_NAME = 12, BROADCAST = 28,
            VENDOR_SPECIFIC = 43, REQUESTED_IP = 50, LEASE_TIME = 51, OVERLOAD = 52, MESSAGE_TYPE = 53,
            SERVER_ID = 54, PARAMETER_LIST = 55, MESSAGE = 56, MAX_SIZE = 57, RENEWAL_TIME = 58,
            REBINDING_TIME = 59, VENDOR_CLASS = 60, CLIENT_ID = 61, BOOTFILE_NAME = 67, USER_CLASS = 77,
            CLIENT_ARCH = 93, CLIENT_NDI = 94, CLIENT_UUID = 97, IPXE_ENCAP = 175;

    public DhcpOption {
        if (code < 1 || code > 254) throw new IllegalArgumentException("option code " + code + " is not 1-254");
        data = data.clone();
    }

    public static DhcpOption of(int code, String ascii) {
        return new DhcpOption(code, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    public static DhcpOption ofByte(int code, int value) {
        return new DhcpOption(code, new byte[] {(byte) value});
    }

    public static DhcpOption ofInt(int code, int value) {
        return new DhcpOption(code, new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The data without a copy, for the codec's own use. */
    byte[] raw() {
        return data;
    }

    public int length() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhcpOption d && d.code == code && Arrays.equals(d.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return code + "=" + HexFormat.of().formatHex(data);
    }
}
