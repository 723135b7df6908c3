package io.netrescue.power.server;

import io.netrescue.power.MagicPacket;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.Printable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake-on-LAN: a {@link MagicPacket} by UDP to a broadcast or directed-broadcast address. It can only
 * switch a machine on (from soft-off, with WoL enabled in firmware and NIC) and cannot tell whether it
 * worked, so status is always UNKNOWN. See docs/power/wol.md.
 */
public final class WolDriver implements PowerDriver {
    private static final Logger log = LoggerFactory.getLogger(WolDriver.class);
    static final Set<String> SETTINGS = Set.of("mac", "broadcast", "port", "repeat");

    private final String host;
    private final MagicPacket packet;
    private final InetSocketAddress target;
    private final int repeat;

    private WolDriver(String host, MagicPacket packet, InetSocketAddress target, int repeat) {
        this.host = host;
        this.packet = packet;
        this.target = target;
        this.repeat = repeat;
    }

    public static WolDriver from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String prefix = "wol power for " + s.host() + ": ";
        MacAddress mac;
        try {
            mac = MacAddress.parse(s.required("mac"));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(prefix + "'mac': " + e.getMessage());
        }
        String broadcast = s.optional("broadcast", "255.255.255.255");
        InetAddress address;
        // only an IPv4 literal: WoL has no IPv6 broadcast, and a name lookup here would hide a typo behind DNS
        if (!broadcast.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            throw new InvalidInputException(prefix + "'broadcast' must be an IPv4 address such as 255.255.255.255 or 10.0.0.255, not '"
                    + Printable.clip(broadcast) + "'");
        }
        try {
            address = InetAddress.getByName(broadcast);
        } catch (UnknownHostException e) {
            address = null;
        }
        if (!(address instanceof Inet4Address)) {
            throw new InvalidInputException(prefix + "'broadcast' is not a valid IPv4 address: '" + Printable.clip(broadcast) + "'");
        }
        int port = s.integer("port", 9, 1, 65535);
        int repeat = s.integer("repeat", 3, 1, 10);
        byte[] password = s.secret().filter(x -> !x.isBlank()).map(x -> {
            try {
                return MagicPacket.parsePassword(x);
            } catch (InvalidInputException e) {
                throw new InvalidInputException(prefix + e.getMessage());
            }
        }).orElse(new byte[0]);
        return new WolDriver(s.host(), new MagicPacket(mac, password), new InetSocketAddress(address, port), repeat);
    }

    @Override
    public String kind() {
        return "wol";
    }

    @Override
    public Set<PowerAction> supports() {
        return Set.of(PowerAction.ON);
    }

    /** A magic packet has no answer: WoL cannot know the power state. */
    @Override
    public PowerState status() {
        return PowerState.UNKNOWN;
    }

    @Override
    public String perform(PowerAction action) throws PowerException {
        if (action == PowerAction.STATUS) return "wake-on-lan cannot tell the power state";
        if (action != PowerAction.ON) {
            throw new PowerException(describe() + ": wake-on-lan can only power on, not " + action.word(), false);
        }
        byte[] bytes = packet.encode();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setBroadcast(true);
            for (int i = 0; i < repeat; i++) socket.send(new DatagramPacket(bytes, bytes.length, target));
        } catch (IOException e) {
            // e.g. "Network is unreachable" while an interface is down: may pass
            throw new PowerException(describe() + ": sending the magic packet failed: " + Printable.clip(e.getMessage()), true);
        }
        log.atInfo().addKeyValue("host", host).addKeyValue("mac", packet.target()).addKeyValue("to", where())
                .addKeyValue("repeat", repeat).log("wake-on-lan magic packet sent");
        return "magic packet for " + packet.target() + " sent " + repeat + "x to " + where()
                + (packet.password().length == 0 ? "" : " with SecureOn password");
    }

    @Override
    public String describe() {
        return "wol " + packet.target() + " via " + where();
    }

    private String where() {
        return target.getAddress().getHostAddress() + ":" + target.getPort();
    }
}
