package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;

/**
 * Whatever a BMC sends as the body of each response the Redfish driver reads: a value or a
 * PowerException, nothing else (no Jackson, NullPointer, ClassCast or URI exception escapes).
 */
class RedfishResourcesFuzzTest {
    static final URI BASE = URI.create("https://10.0.0.5:8443");

    @FuzzTest(maxDuration = "15s")
    void everyResponseKindGivesAValueOrAPowerException(FuzzedDataProvider d) {
        int kind = d.consumeInt(0, 5);
        try {
            switch (kind) {
                case 0 -> assertThat(RedfishResources.systemsLink(d.consumeRemainingAsBytes())).isNotNull();
                case 1 -> assertThat(RedfishResources.members(d.consumeRemainingAsBytes())).doesNotContainNull();
                case 2 -> {
                    var s = RedfishResources.system(d.consumeRemainingAsBytes());
                    assertThat(s.state()).isNotNull();
                    assertThat(s.id()).doesNotContain("\n");
                    s.reset().ifPresent(r -> assertThat(r.target()).isNotNull());
                }
                case 3 -> assertThat(RedfishResources.actionInfoResetTypes(d.consumeRemainingAsBytes())).doesNotContainNull();
                case 4 -> assertThat(RedfishResources.errorMessage(d.consumeRemainingAsBytes())).isNotNull();
                default -> {
                    URI u = RedfishResources.sameOrigin(BASE, d.consumeRemainingAsString());
                    assertThat(u.getHost()).isEqualToIgnoringCase("10.0.0.5");
                    assertThat(u.getPort()).isEqualTo(8443);
                }
            }
        } catch (PowerException expected) {
            assertThat(expected.retryable()).isFalse();
        }
    }
}
