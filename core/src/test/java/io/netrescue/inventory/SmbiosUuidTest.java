package io.netrescue.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SmbiosUuidTest {

    @Test
    void wireOrderSwapsTheFirstThreeFieldsAsIpxeSendsThem() {
        // Measured in the lab: QEMU -uuid 8c5b0b4e-2f6a-4d1e-9a61-0123456789ab goes out in DHCP option 97 as below.
        SmbiosUuid u = SmbiosUuid.parse("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
        assertThat(HexFormat.of().formatHex(u.wireBytes())).isEqualTo("4e0b5b8c6a2f1e4d9a610123456789ab");
    }

    @Test
    void zerosAndOnesArePlaceholders() {
        assertThat(SmbiosUuid.parse("00000000-0000-0000-0000-000000000000").isPlaceholder()).isTrue();
        assertThat(SmbiosUuid.parse("ffffffff-ffff-ffff-ffff-ffffffffffff").isPlaceholder()).isTrue();
        assertThat(SmbiosUuid.parse("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab").isPlaceholder()).isFalse();
    }

    @Test
    void refusesOtherForms() {
        assertThatThrownBy(() -> SmbiosUuid.parse("8c5b0b4e2f6a4d1e9a610123456789ab")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SmbiosUuid.parse("1-2-3-4-5")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("malformed UUID");
    }

    @Test
    void printsLowerCase() {
        assertThat(SmbiosUuid.parse("8C5B0B4E-2F6A-4D1E-9A61-0123456789AB").toString()).isEqualTo("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
    }
}
