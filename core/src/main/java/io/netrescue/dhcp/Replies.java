package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/** The parts every reply shares: RFC 2131 table 3 fields copied from the request. */
final class Replies {
    private Replies() {}

    static DhcpPacket reply(DhcpPacket req, Inet4Address ciaddr, Inet4Address yiaddr, Inet4Address siaddr, String file, List<DhcpOption> options) {
        return new DhcpPacket(DhcpPacket.BOOTREPLY, req.htype(), req.hlen(), 0, req.xid(), 0, req.flags(),
                ciaddr, yiaddr, siaddr, req.giaddr(), req.chaddr(), "", file, options);
    }

    static List<DhcpOption> head(MessageType type, Inet4Address serverId) {
        List<DhcpOption> o = new ArrayList<>(10);
        o.add(DhcpOption.ofByte(DhcpOption.MESSAGE_TYPE, type.code()));
        o.add(new DhcpOption(DhcpOption.SERVER_ID, serverId.getAddress()));
        return o;
    }

    /** Long boot URLs do not fit the 128-byte file field: option 67 carries them instead. */
    static String fileField(String file, List<DhcpOption> options) {
        if (file.length() < 128) return file;
        options.add(DhcpOption.of(DhcpOption.BOOTFILE_NAME, file));
        return "";
    }

    /** PXE discovery control (option 43 sub 6) = 8: use the boot file in this reply, no boot server discovery. */
    static final DhcpOption PXE_NO_DISCOVERY = new DhcpOption(DhcpOption.VENDOR_SPECIFIC, new byte[] {6, 1, 8, (byte) 255});
}
