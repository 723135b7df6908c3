package io.netrescue.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"52:54:00:12:34:56", "52-54-00-12-34-56", "525400123456", "5254.0012.3456", " 52:54:00:12:34:56\t", "52:54:00:12:34:56"})
    void parsesEverySpellingToTheSameAddress(String s) {
        assertThat(MacAddress.parse(s).toString()).isEqualTo("52:54:00:12:34:56");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "52:54:00:12:34", "52:54:00:12:34:5g", "52:54-00:12:34:56", "5254001234567", "zz:zz:zz:zz:zz:zz", "52:54:00:12:34:56:78", "+2:54:00:12:34:56", "5254.0012-3456",
        // digits of other scripts are digits to Character.digit and Long.parseLong, not hex in a MAC (ASCII only)
        "\uFF15254001234\uFF156", "52:54:00:12:34:\u0665\u0666", "\u0665\u0662:54:00:12:34:56", "52:54:00:12:34:5\uFF41"})
    void refusesMalformedAddressesWithAClearMessage(String s) {
        assertThatThrownBy(() -> MacAddress.parse(s)).isInstanceOf(InvalidInputException.class).hasMessageContaining("MAC");
    }

    @Test
    void roundTripsThroughBytesAndText() {
        Random r = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            long v = r.nextLong() & 0xFFFF_FFFF_FFFFL;
            MacAddress m = new MacAddress(v);
            assertThat(MacAddress.parse(m.toString())).isEqualTo(m);
            assertThat(MacAddress.parse(m.hyphenated())).isEqualTo(m);
            assertThat(MacAddress.of(m.bytes())).isEqualTo(m);
        }
    }

    @Test
    void hyphenatedIsPxelinuxForm() {
        assertThat(MacAddress.parse("52:54:00:AB:cd:56").hyphenated()).isEqualTo("52-54-00-ab-cd-56");
    }
}
