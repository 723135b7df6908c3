package io.netrescue.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.boot.BootDecider;
import io.netrescue.boot.BootDecision;
import io.netrescue.boot.BootInputs;
import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootPolicy;
import io.netrescue.boot.BootRequest;
import io.netrescue.boot.BootState;
import io.netrescue.boot.IpxeScripts;
import io.netrescue.boot.Profile;
import io.netrescue.boot.Host;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a booting machine sends to {@code /boot.ipxe} goes through these parsers and the
 * decider. Whatever the bytes: no exception escapes, a network boot only happens for a known host
 * whose reported IP is the source, and any text echoed into a script stays on one line.
 * Regression mode (the default) replays the corpus; JAZZER_FUZZ=1 explores.
 */
class BootRequestFuzzTest {
    static final InetAddress SRC = IpAddresses.parse("10.0.0.5");
    static final Host HOST = new Host("web1", List.of(MacAddress.parse("52:54:00:12:34:56")), Optional.empty(), List.of(),
            new TreeMap<>(), BootState.of(new BootMode.Persistent("p"), Optional.empty()), 1);
    static final Profile P = new Profile("p", "k", List.of(), "");
    static final BootInputs IN = new BootInputs() {
        public Optional<Host> hostByMac(MacAddress m) {
            return HOST.macs().contains(m) ? Optional.of(HOST) : Optional.empty();
        }

        public Optional<Host> hostByUuid(SmbiosUuid u) {
            return Optional.empty();
        }

        public Optional<Profile> profile(String n) {
            return n.equals("p") ? Optional.of(P) : Optional.empty();
        }
    };
    static final BootDecider DECIDER = new BootDecider(BootPolicy.DEFAULT);

    @FuzzTest(maxDuration = "30s")
    void decideNeverThrowsAndNeverNetbootsAStranger(FuzzedDataProvider d) {
        BootRequest.Parse p = BootRequest.parse(d.consumeString(40), d.consumeString(50), d.consumeString(40), d.consumeString(20),
                d.consumeString(10), SRC);
        BootDecision dec = DECIDER.decide(p, IN, Instant.EPOCH);
        if (dec.netboot()) {
            assertThat(p).isInstanceOf(BootRequest.Parsed.class);
            BootRequest r = ((BootRequest.Parsed) p).request();
            assertThat(r.mac()).isEqualTo(HOST.macs().getFirst());
            assertThat(r.ip()).contains(SRC);
        }
        String script = IpxeScripts.local("x", dec.reason(), BootPolicy.LocalBoot.EXIT);
        assertThat(script.lines().count()).isEqualTo(3);
        assertThat(script).doesNotContain("${");
    }

    /** Parsing once at the edge accepts exactly what the field parsers accept, and yields their values. */
    @FuzzTest(maxDuration = "15s")
    void parseAgreesWithTheFieldParsers(FuzzedDataProvider d) {
        String mac = d.consumeString(40), ip = d.consumeString(50), uuid = d.consumeString(40);
        BootRequest.Parse p = BootRequest.parse(mac, ip, uuid, "", "", SRC);
        Optional<MacAddress> m = attempt(() -> MacAddress.parse(mac));
        Optional<Optional<SmbiosUuid>> u = uuid.isBlank() ? Optional.of(Optional.empty()) : attempt(() -> SmbiosUuid.parse(uuid)).map(Optional::of);
        Optional<Optional<InetAddress>> a = ip.isBlank() ? Optional.of(Optional.empty()) : attempt(() -> IpAddresses.parse(ip)).map(Optional::of);
        switch (p) {
            case BootRequest.Parsed ok -> {
                assertThat(Optional.of(ok.request().mac())).isEqualTo(m);
                assertThat(Optional.of(ok.request().uuid())).isEqualTo(u);
                assertThat(Optional.of(ok.request().ip())).isEqualTo(a);
            }
            case BootRequest.Rejected r -> {
                assertThat(m.isEmpty() || u.isEmpty() || a.isEmpty()).isTrue();
                assertThat(r.mac()).isEqualTo(m);
            }
        }
    }

    private static <T> Optional<T> attempt(java.util.function.Supplier<T> parser) {
        try {
            return Optional.of(parser.get());
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    @FuzzTest(maxDuration = "15s")
    void identityParsersOnlyRefuseCleanly(FuzzedDataProvider d) {
        String s = d.consumeRemainingAsString();
        try {
            MacAddress m = MacAddress.parse(s);
            assertThat(MacAddress.parse(m.toString())).isEqualTo(m);
        } catch (InvalidInputException expected) {
            // refused with a message: fine
        }
        try {
            SmbiosUuid.parse(s);
        } catch (InvalidInputException expected) {
            // fine
        }
        try {
            IpAddresses.parse(s);
        } catch (InvalidInputException expected) {
            // fine
        }
    }
}
