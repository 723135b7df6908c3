package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.AgentSignature;
import java.nio.charset.StandardCharsets;

/**
 * The Authorization header of an installed host's job request comes from the network before anything
 * is authenticated: any value parses to a claim that re-spells to exactly it, or is refused with
 * InvalidInputException; verifying a parsed claim against any request never throws, and a MAC made
 * without the key never verifies.
 */
class AgentSignatureFuzzTest {
    static final byte[] KEY = "the host's agent key, 32 bytes..".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "20s")
    void anyHeaderParsesCanonicallyOrIsRefused(FuzzedDataProvider d) {
        String method = d.consumeString(8), path = d.consumeString(64);
        byte[] body = d.consumeBytes(256);
        String header = d.consumeRemainingAsString();
        try {
            AgentSignature.Claim c = AgentSignature.parse(header);
            assertThat(AgentSignature.SCHEME + " host=" + c.host() + " ts=" + c.ts() + " nonce=" + c.nonce() + " mac=" + c.mac()).isEqualTo(header);
            boolean ok = AgentSignature.verify(KEY, c, method, path, body);
            String genuine = AgentSignature.header(KEY, c.host(), method, path, c.ts(), c.nonce(), body);
            assertThat(ok).isEqualTo(genuine.equals(header));
        } catch (InvalidInputException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
