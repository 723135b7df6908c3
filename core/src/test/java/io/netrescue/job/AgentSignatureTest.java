package io.netrescue.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AgentSignatureTest {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final String NONCE = "00112233445566778899aabbccddeeff";

    @Test
    void aSignedRequestVerifiesAndAnyChangeBreaksIt() {
        byte[] body = "seq 1\nstream out\nbytes 2\n\nhi".getBytes(StandardCharsets.US_ASCII);
        String h = AgentSignature.header(KEY, "web1", "POST", "/agent/jobs/7/output", 1_700_000_000, NONCE, body);
        assertThat(h).startsWith("Netrescue-Agent host=web1 ts=1700000000 nonce=" + NONCE + " mac=");
        AgentSignature.Claim c = AgentSignature.parse(h);
        assertThat(AgentSignature.verify(KEY, c, "POST", "/agent/jobs/7/output", body)).isTrue();
        assertThat(AgentSignature.verify(KEY, c, "GET", "/agent/jobs/7/output", body)).isFalse();
        assertThat(AgentSignature.verify(KEY, c, "POST", "/agent/jobs/8/output", body)).isFalse();
        assertThat(AgentSignature.verify(KEY, c, "POST", "/agent/jobs/7/output", "x".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(AgentSignature.verify("another key, 32 bytes long......".getBytes(StandardCharsets.US_ASCII), c, "POST", "/agent/jobs/7/output", body)).isFalse();
        AgentSignature.Claim otherHost = new AgentSignature.Claim("web2", c.ts(), c.nonce(), c.mac());
        assertThat(AgentSignature.verify(KEY, otherHost, "POST", "/agent/jobs/7/output", body)).isFalse();
        AgentSignature.Claim later = new AgentSignature.Claim("web1", c.ts() + 1, c.nonce(), c.mac());
        assertThat(AgentSignature.verify(KEY, later, "POST", "/agent/jobs/7/output", body)).isFalse();
    }

    @Test
    void onlyTheOneSpellingParses() {
        String mac = "a".repeat(64);
        for (String bad : new String[] {null, "", "Bearer x", "Netrescue-Agent host=web1 ts=1 nonce=" + NONCE,
                "Netrescue-Agent host=Web1 ts=1 nonce=" + NONCE + " mac=" + mac, "Netrescue-Agent host=web1 ts=01 nonce=" + NONCE + " mac=" + mac,
                "Netrescue-Agent host=web1 ts=-1 nonce=" + NONCE + " mac=" + mac, "Netrescue-Agent host=web1 ts=1 nonce=" + NONCE.toUpperCase() + " mac=" + mac,
                "Netrescue-Agent  host=web1 ts=1 nonce=" + NONCE + " mac=" + mac, "Netrescue-Agent host=web1 ts=1 nonce=" + NONCE + " mac=" + mac + " ",
                "Netrescue-Agent host=-web ts=1 nonce=" + NONCE + " mac=" + mac, "x".repeat(400)}) {
            assertThatThrownBy(() -> AgentSignature.parse(bad)).as(String.valueOf(bad)).isInstanceOf(InvalidInputException.class);
        }
        assertThat(AgentSignature.parse("Netrescue-Agent host=web-1.dc ts=0 nonce=" + NONCE + " mac=" + mac).host()).isEqualTo("web-1.dc");
    }
}
