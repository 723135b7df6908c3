package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.power.MagicPacket;
import java.util.Optional;

/** Any datagram is either exactly a magic packet (and encodes back to itself) or not one; nothing throws. */
class MagicPacketFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void parseRecognisesOrIgnores(FuzzedDataProvider d) {
        int length = d.consumeInt(-2, 120);
        byte[] b = d.consumeBytes(120);
        if (d.consumeBoolean() && b.length >= 6) {
            // a way past the sync bytes so the repeat check is explored
            for (int i = 0; i < 6; i++) b[i] = (byte) 0xFF;
            if (d.consumeBoolean() && b.length >= MagicPacket.LENGTH) {
                for (int i = 1; i < MagicPacket.REPEATS; i++) System.arraycopy(b, 6, b, 6 + 6 * i, 6);
            }
        }
        Optional<MagicPacket> p = MagicPacket.parse(b, length);
        p.ifPresent(m -> assertThat(m.encode()).isEqualTo(java.util.Arrays.copyOf(b, length)));
        try {
            byte[] pw = MagicPacket.parsePassword(d.consumeRemainingAsString());
            assertThat(pw.length).isIn(4, 6);
        } catch (InvalidInputException expected) {
            // refused with a message that never repeats the value
        }
    }
}
