package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.kexec.KexecManifest;
import io.netrescue.kexec.MalformedManifestException;

/**
 * Whatever the agent fetches as a manifest (its hash is checked first, but the parser must not rely
 * on that): a manifest whose rendering is exactly the input, or MalformedManifestException.
 */
class KexecManifestFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void parseAcceptsOnlyCanonicalManifests(FuzzedDataProvider d) {
        boolean header = d.consumeBoolean();
        byte[] raw = d.consumeRemainingAsBytes();
        if (header) {
            // start from a valid header so the line parsing is explored
            byte[] h = (KexecManifest.HEADER + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] x = new byte[h.length + raw.length];
            System.arraycopy(h, 0, x, 0, h.length);
            System.arraycopy(raw, 0, x, h.length, raw.length);
            raw = x;
        }
        try {
            KexecManifest m = KexecManifest.parse(raw);
            assertThat(m.bytes()).isEqualTo(raw);
        } catch (MalformedManifestException expected) {
            // the agent refuses the kexec with this reason
        }
    }
}
