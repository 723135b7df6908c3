package io.netrescue.inventory;

import java.net.InetAddress;

/** Literal IP parsing that never resolves names (a DNS lookup on a request path is a hang waiting to happen). */
public final class IpAddresses {
    private IpAddresses() {}

    public static InetAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("IP address is empty");
        }
        try {
            return InetAddress.ofLiteral(text.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("malformed IP address '" + Printable.clip(text) + "'");
        }
    }

    public static String format(InetAddress a) {
        return a.getHostAddress();
    }
}
