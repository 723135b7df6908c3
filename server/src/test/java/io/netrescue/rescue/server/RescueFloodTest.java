package io.netrescue.rescue.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attack M1: a source that keeps presenting bad tokens costs a bounded amount: a few refusals are
 * looked at and logged, then it gets 429 without a database read or a log line until the minute
 * turns.
 */
class RescueFloodTest {
    TestServer s;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        s = TestServer.start(List.of(), "local", java.time.Clock.systemUTC(), c -> c);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    int get(String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.url().resolve(path)).timeout(Duration.ofSeconds(10));
        if (auth != null) b.header("Authorization", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void badTokensFromOneSourceAreCutOffAfterAFewRefusals() throws Exception {
        for (int i = 0; i < RescueHandler.REFUSALS_PER_MINUTE; i++) {
            assertThat(get(i % 2 == 0 ? "/rescue/alive" : "/rescue/agent.conf", "Bearer forged-" + i)).isEqualTo(403);
        }
        for (int i = 0; i < 200; i++) assertThat(get("/rescue/settings", "Bearer forged-more-" + i)).isEqualTo(429);
        assertThat(get("/rescue/alive", null)).isEqualTo(429);
        assertThat(get("/rescue/jobs/next", "Bearer forged")).as("the job channel shares the limit").isEqualTo(429);
        // the operator's API is not affected
        assertThat(s.api("GET", "hosts", null).status()).isEqualTo(200);
    }
}
