package io.netrescue.sysrq;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XtSysrqVersionTest {
    @ParameterizedTest
    @ValueSource(strings = {"3.26", "3.27", "3.26-1", "1:3.26-2+deb13u1", "3.30", "4.0", "3.26.1", "10.1", "3.27~rc1", "3.26-1~bpo12+1"})
    void fixedReleasesAreSafe(String v) {
        assertThat(XtSysrqVersion.safe(v)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.23", "3.23-1", "3.26~rc1", "1:3.26~rc1-1", "3.9", "3.25.9", "2.99", "unknown", "", "3.x", "garbage", "3..26", "-3.26"})
    void olderUnknownAndUnparsableVersionsAreNot(String v) {
        assertThat(XtSysrqVersion.safe(v)).isFalse();
    }
}
