package io.netrescue.sysrq.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.api.Json;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The words clients compare (API JSON, CLI output, event kinds) stay what they were when results were strings. */
class SysrqResultTest {

    @Test
    void wireNamesAreTheWordsClientsKnow() {
        assertThat(Arrays.stream(SysrqResult.values()).map(SysrqResult::wireName))
                .containsExactly("acknowledged", "refused", "no-ack", "sent", "failed");
        for (SysrqResult r : SysrqResult.values()) {
            assertThat(r).hasToString(r.wireName());
            assertThat(SysrqResult.ofWireName(r.wireName())).contains(r);
        }
        assertThat(SysrqResult.ofWireName("NO_ACK")).isEmpty();
        assertThat(Arrays.stream(KexecResult.values()).map(KexecResult::toString)).containsExactly("loaded", "refused", "no-ack");
    }

    @Test
    void onlyAnAcknowledgementOrAnXtSendIsASuccessAndOnlyRefusedOrFailedSurelyDidNotRun() {
        assertThat(Arrays.stream(SysrqResult.values()).filter(SysrqResult::succeeded)).containsExactly(SysrqResult.ACKNOWLEDGED, SysrqResult.SENT);
        assertThat(Arrays.stream(SysrqResult.values()).filter(r -> !r.mayHaveRun())).containsExactly(SysrqResult.REFUSED, SysrqResult.FAILED);
    }

    @Test
    void theOutcomeJsonCarriesTheWord() {
        var o = new SysrqService.Outcome("web1", "agent", "s", 7, SysrqResult.NO_ACK, "no acknowledgement", null, null);
        assertThat(Json.MAPPER.writeValueAsString(o)).contains("\"result\":\"no-ack\"").doesNotContain("NO_ACK");
    }
}
