package io.netrescue.dhcp;

import java.util.LinkedHashMap;
import java.util.Map;

/** Writes the fuzz seeds (run once by hand; kept so the seeds can be regenerated). */
final class PacketsSeed {
    public static void main(String[] args) throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of(args[0]);
        for (String m : new String[] {"decode", "pxeClient", "proxyResponder", "fullResponder"}) {
            for (var e : all().entrySet()) java.nio.file.Files.write(root.resolve(m).resolve(e.getKey()), e.getValue());
        }
    }

    static Map<String, byte[]> all() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("ipxe-discover", Packets.ipxeDiscover(1));
        m.put("ipxe-request", Packets.ipxeDiscover(3));
        m.put("efi-x64-discover", Packets.firmwareDiscover(7, "PXEClient", Packets.HEX.parseHex("020000000002")));
        m.put("arm64-discover", Packets.firmwareDiscover(11, "PXEClient", Packets.HEX.parseHex("020000000004")));
        m.put("http-boot-discover", Packets.firmwareDiscover(16, "HTTPClient", Packets.HEX.parseHex("020000000006")));
        m.put("plain-discover", Packets.plain(1, Packets.HEX.parseHex("020000000008"), 0, null, null));
        m.put("plain-request", Packets.plain(3, Packets.HEX.parseHex("020000000008"), 0, new byte[] {10, 88, 0, 100}, new byte[] {10, 88, 0, 1}));
        m.put("plain-release", Packets.plain(7, Packets.HEX.parseHex("020000000008"), 0x0a580064, null, new byte[] {10, 88, 0, 1}));
        m.put("overloaded", Packets.request(Packets.VM_MAC, 9, 0, 0, Packets.HEX.parseHex("350101340103ff")));
        return m;
    }
}
