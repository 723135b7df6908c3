package io.netrescue.inventory;

import java.net.InetAddress;

/** An address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address means a single host. */
public record Cidr(InetAddress network, int prefix) {

    public static Cidr parse(String text) {
        if (text == null) throw new InvalidInputException("address block is empty");
        int slash = text.indexOf('/');
        InetAddress addr = IpAddresses.parse(slash < 0 ? text : text.substring(0, slash));
        int max = addr.getAddress().length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            // ASCII digits only: Integer.parseInt also takes other scripts' digits and a sign
            prefix = p.matches("[0-9]{1,3}") ? Integer.parseInt(p) : -1;
            if (prefix < 0 || prefix > max) {
                throw new InvalidInputException("malformed prefix length in '" + Printable.clip(text) + "'");
            }
        }
        return new Cidr(addr, prefix);
    }

    public boolean contains(InetAddress a) {
        byte[] n = network.getAddress(), x = a.getAddress();
        if (n.length != x.length) return false;
        int full = prefix / 8, rest = prefix % 8;
        for (int i = 0; i < full; i++) if (n[i] != x[i]) return false;
        if (rest == 0) return true;
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (n[full] & mask) == (x[full] & mask);
    }

    @Override
    public String toString() {
        return IpAddresses.format(network) + "/" + prefix;
    }
}
