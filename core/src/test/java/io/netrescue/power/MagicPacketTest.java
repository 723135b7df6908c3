package io.netrescue.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MagicPacketTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @Test
    void encodesSyncThenSixteenCopiesThenPassword() {
        String expected = "ffffffffffff" + "525400123456".repeat(16);
        assertThat(HexFormat.of().formatHex(MagicPacket.of(MAC).encode())).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(new MagicPacket(MAC, new byte[] {1, 2, 3, 4, 5, 6}).encode())).isEqualTo(expected + "010203040506");
        assertThat(new MagicPacket(MAC, new byte[] {(byte) 192, (byte) 168, 1, 1}).encode()).hasSize(106);
    }

    @Test
    void parseRecognisesOnlyWholeMagicPackets() {
        for (MagicPacket p : new MagicPacket[] {MagicPacket.of(MAC), new MagicPacket(MAC, new byte[] {9, 8, 7, 6}),
                new MagicPacket(MAC, new byte[] {1, 2, 3, 4, 5, 6})}) {
            byte[] b = p.encode();
            assertThat(MagicPacket.parse(b, b.length)).contains(p);
            byte[] bigger = java.util.Arrays.copyOf(b, b.length + 10);
            assertThat(MagicPacket.parse(bigger, b.length)).contains(p);
        }
        byte[] b = MagicPacket.of(MAC).encode();
        assertThat(MagicPacket.parse(b, 101)).isEmpty();
        assertThat(MagicPacket.parse(b, 103)).isEmpty();
        b[5] = 0x7f;
        assertThat(MagicPacket.parse(b, 102)).isEmpty();
        b = MagicPacket.of(MAC).encode();
        b[101] ^= 1; // the last copy differs
        assertThat(MagicPacket.parse(b, 102)).isEmpty();
        assertThat(MagicPacket.parse(null, 0)).isEmpty();
    }

    @Test
    void passwordsInEtherWakeSpellings() {
        assertThat(MagicPacket.parsePassword("01:02:03:04:05:0a")).containsExactly(1, 2, 3, 4, 5, 10);
        assertThat(MagicPacket.parsePassword("01-02-03-04")).containsExactly(1, 2, 3, 4);
        assertThat(MagicPacket.parsePassword("0102030405ff")).containsExactly(1, 2, 3, 4, 5, -1);
        assertThat(MagicPacket.parsePassword("192.168.1.1")).containsExactly(-64, -88, 1, 1);
        for (String bad : new String[] {"", "hunter2", "aa:bb:cc", "1.2.3.256", "01:02:03:04:05:06:07", "0:102:03:04"}) {
            assertThatThrownBy(() -> MagicPacket.parsePassword(bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("the SecureOn password (the secret) must be").satisfies(e -> {
                        if (!bad.isEmpty()) assertThat(e.getMessage()).doesNotContain(bad);
                    });
        }
        assertThat(new MagicPacket(MAC, new byte[] {1, 2, 3, 4}).toString()).isEqualTo("MagicPacket[52:54:00:12:34:56, SecureOn 4 bytes]");
    }
}
