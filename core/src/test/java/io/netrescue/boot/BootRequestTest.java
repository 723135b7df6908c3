package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing at the edge: typed values for the decider, the text as sent for the audit trail. */
class BootRequestTest {
    static final InetAddress SRC = IpAddresses.parse("10.0.0.5");

    @Test
    void parsesEveryFieldOnceAndKeepsTheTextAsSent() {
        var p = BootRequest.parse(" 52-54-00-12-34-56 ", "10.5", "8C5B0B4E-2F6A-4D1E-9A61-0123456789AB", "x86_64", "efi", SRC);
        assertThat(p).isInstanceOf(BootRequest.Parsed.class);
        BootRequest r = ((BootRequest.Parsed) p).request();
        assertThat(r.mac()).isEqualTo(MacAddress.parse("52:54:00:12:34:56"));
        assertThat(r.ip()).contains(SRC);
        assertThat(r.uuid()).contains(SmbiosUuid.parse("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab"));
        assertThat(r.arch()).isEqualTo("x86_64");
        assertThat(r.platform()).isEqualTo("efi");
        assertThat(r.source()).isEqualTo(SRC);
        assertThat(p.reported()).isEqualTo(new BootRequest.Reported("52-54-00-12-34-56", "10.5",
                "8C5B0B4E-2F6A-4D1E-9A61-0123456789AB", "x86_64", "efi"));
    }

    @Test
    void absentOrBlankUuidAndIpAreEmptyNotErrors() {
        var p = BootRequest.parse("52:54:00:12:34:56", null, "  ", null, null, SRC);
        BootRequest r = ((BootRequest.Parsed) p).request();
        assertThat(r.ip()).isEmpty();
        assertThat(r.uuid()).isEmpty();
        assertThat(r.arch()).isEmpty();
        assertThat(p.reported()).isEqualTo(new BootRequest.Reported("52:54:00:12:34:56", "", "", "", ""));
    }

    @Test
    void theFirstFieldThatDoesNotParseIsReportedWithTheMacWhenThatParsed() {
        assertThat(BootRequest.parse(null, "x", "y", "", "", SRC)).isEqualTo(new BootRequest.Rejected(
                new BootRequest.Reported("", "x", "y", "", ""), SRC, Optional.empty(), "MAC address is empty"));
        var r = (BootRequest.Rejected) BootRequest.parse("52:54:00:12:34:56", "x", "y", "", "", SRC);
        assertThat(r.mac()).contains(MacAddress.parse("52:54:00:12:34:56"));
        assertThat(r.problem()).startsWith("malformed UUID 'y'");
        r = (BootRequest.Rejected) BootRequest.parse("52:54:00:12:34:56", "x", "", "", "", SRC);
        assertThat(r.problem()).isEqualTo("malformed IP address 'x'");
    }

    @Test
    void aRequestBuiltFromValuesReportsTheirCanonicalText() {
        BootRequest r = new BootRequest(MacAddress.parse("52-54-00-12-34-56"), Optional.of(SRC), Optional.empty(), "bios", "pcbios", SRC);
        assertThat(BootRequest.Parsed.of(r).reported()).isEqualTo(new BootRequest.Reported("52:54:00:12:34:56", "10.0.0.5", "", "bios", "pcbios"));
    }
}
