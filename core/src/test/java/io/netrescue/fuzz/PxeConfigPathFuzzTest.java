package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.boot.GrubConfigs;
import io.netrescue.boot.PxeConfigPath;
import io.netrescue.boot.PxelinuxConfigs;

/**
 * TFTP file names come from the network: whatever a client asks for, recognising a configuration
 * lookup never throws, and a reason echoed into a PXELINUX or GRUB file cannot add a line.
 */
class PxeConfigPathFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void anyFileNameIsRecognisedOrIgnoredNeverThrows(FuzzedDataProvider d) {
        String name = d.consumeString(600);
        var p = PxeConfigPath.parse(name);
        if (p.isPresent() && p.get() instanceof PxeConfigPath.ByMac m) {
            assertThat(name.toLowerCase()).contains(m.mac().hyphenated().toLowerCase());
        }
        String reason = d.consumeRemainingAsString();
        assertThat(PxelinuxConfigs.local("x", reason).lines()).hasSize(7);
        assertThat(GrubConfigs.local("x", reason).lines()).hasSize(3);
    }
}
