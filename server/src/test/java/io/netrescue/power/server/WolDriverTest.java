package io.netrescue.power.server;

import io.netrescue.power.MagicPacket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** WolDriver sends to a real UDP socket on 127.0.0.1 standing in for the broadcast domain. */
class WolDriverTest {
    private static final String MAC = "52:54:00:ab:cd:ef";

    private static WolDriver driver(int port, Map<String, String> extra, Optional<String> secret) {
        Map<String, String> m = new HashMap<>(Map.of("mac", MAC, "broadcast", "127.0.0.1", "port", Integer.toString(port)));
        m.putAll(extra);
        return WolDriver.from(new PowerSettings("node1", "wol", m, secret, Duration.ofSeconds(1)));
    }

    /** Every datagram that arrives until the socket has been quiet for 300 ms. */
    private static List<byte[]> capture(DatagramSocket s) throws Exception {
        List<byte[]> got = new ArrayList<>();
        s.setSoTimeout(300);
        byte[] buf = new byte[2048];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException quiet) {
                return got;
            }
            got.add(Arrays.copyOf(p.getData(), p.getLength()));
        }
    }

    @Test
    void onSendsTheMagicPacketRepeatTimes() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            WolDriver d = driver(s.getLocalPort(), Map.of(), Optional.empty());
            assertThat(d.perform(PowerAction.ON)).isEqualTo("magic packet for " + MAC + " sent 3x to 127.0.0.1:" + s.getLocalPort());
            List<byte[]> got = capture(s);
            String expected = "ffffffffffff" + "525400abcdef".repeat(16); // written out, not from the codec
            assertThat(got).hasSize(3).allSatisfy(b -> assertThat(HexFormat.of().formatHex(b)).isEqualTo(expected));
            assertThat(MagicPacket.parse(got.get(0), got.get(0).length)).contains(MagicPacket.of(MacAddress.parse(MAC)));

            driver(s.getLocalPort(), Map.of("repeat", "1"), Optional.of("01:02:03:04:05:06")).perform(PowerAction.ON);
            got = capture(s);
            assertThat(got).hasSize(1);
            assertThat(HexFormat.of().formatHex(got.get(0))).isEqualTo(expected + "010203040506");
        }
    }

    @Test
    void onlyOnIsSupportedAndStatusIsUnknown() throws Exception {
        WolDriver d = driver(9, Map.of(), Optional.empty());
        assertThat(d.supports()).containsExactly(PowerAction.ON);
        assertThat(d.status()).isEqualTo(PowerState.UNKNOWN);
        assertThat(d.describe()).isEqualTo("wol 52:54:00:ab:cd:ef via 127.0.0.1:9");
        for (PowerAction a : List.of(PowerAction.OFF, PowerAction.CYCLE, PowerAction.SOFT_RESET)) {
            PowerException e = catchThrowableOfType(PowerException.class, () -> d.perform(a));
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).isEqualTo("wol 52:54:00:ab:cd:ef via 127.0.0.1:9: wake-on-lan can only power on, not " + a.word());
        }
    }

    @Test
    void debiansWakeonlanSendsWhatParseRecognises() throws Exception {
        Assumptions.assumeTrue(IpmiSim.onPath("wakeonlan"), "Debian's wakeonlan is not installed (cross-check only)");
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Process p = new ProcessBuilder("wakeonlan", "-i", "127.0.0.1", "-p", Integer.toString(s.getLocalPort()), MAC)
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor()).isZero();
            List<byte[]> got = capture(s);
            assertThat(got).hasSize(1);
            assertThat(MagicPacket.parse(got.get(0), got.get(0).length)).contains(MagicPacket.of(MacAddress.parse(MAC)));
            assertThat(got.get(0)).isEqualTo(MagicPacket.of(MacAddress.parse(MAC)).encode());
        }
    }

    @Test
    void settingsAreValidatedWithTheirNames() {
        refused(Map.of(), Optional.empty(), "wol power for node1: missing setting 'mac'");
        refused(Map.of("mac", "52:54:00"), Optional.empty(), "wol power for node1: 'mac': malformed MAC address '52:54:00'");
        refused(Map.of("mac", MAC, "broadcast", "lan.example"), Optional.empty(), "'broadcast' must be an IPv4 address");
        refused(Map.of("mac", MAC, "broadcast", "10.0.0.256"), Optional.empty(), "'broadcast' is not a valid IPv4 address");
        refused(Map.of("mac", MAC, "repeat", "0"), Optional.empty(), "'repeat' must be a number 1-10");
        refused(Map.of("mac", MAC, "port", "0"), Optional.empty(), "'port' must be a number 1-65535");
        refused(Map.of("mac", MAC, "address", "x"), Optional.empty(), "unknown setting 'address'");
        refused(Map.of("mac", MAC), Optional.of("hunter2"), "wol power for node1: the SecureOn password (the secret) must be 4 or 6 bytes");
        assertThat(WolDriver.from(new PowerSettings("node1", "wol", Map.of("mac", "5254.00ab.cdef"), Optional.empty(), Duration.ofSeconds(1)))
                .describe()).isEqualTo("wol 52:54:00:ab:cd:ef via 255.255.255.255:9");
    }

    private static void refused(Map<String, String> m, Optional<String> secret, String message) {
        assertThatThrownBy(() -> WolDriver.from(new PowerSettings("node1", "wol", m, secret, Duration.ofSeconds(1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(message)
                .satisfies(e -> secret.ifPresent(x -> assertThat(e.getMessage()).doesNotContain(x)));
    }
}
