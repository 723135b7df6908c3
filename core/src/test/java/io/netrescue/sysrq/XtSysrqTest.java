package io.netrescue.sysrq;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.IpAddresses;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class XtSysrqTest {

    @Test
    void ipv6DestinationIsWrittenOutInFull() {
        assertThat(XtSysrq.formatAddress(IpAddresses.parse("2001:db8::1"))).isEqualTo("2001:0db8:0000:0000:0000:0000:0000:0001");
        assertThat(XtSysrq.formatAddress(IpAddresses.parse("fe80::a:bc"))).isEqualTo("fe80:0000:0000:0000:0000:0000:000a:00bc");
        assertThat(XtSysrq.formatAddress(IpAddresses.parse("10.0.2.15"))).isEqualTo("10.0.2.15");
    }

    /** Vectors from tools/guest/README.md: both packets rebooted a Debian 6.1 kernel running xt_SYSRQ 3.27. */
    @Test
    void matchesDigestsTheKernelAccepted() {
        byte[] sha1 = XtSysrq.request(new SysrqKeys("b"), 1700000001L, "a1b2c3d4", IpAddresses.parse("10.0.2.15"), "secret".getBytes(), XtSysrq.Hash.SHA1);
        assertThat(new String(sha1, StandardCharsets.US_ASCII)).isEqualTo("b,1700000001,a1b2c3d4,22d30af274821be82cf51cfc731213698f22894d");
        byte[] sha256 = XtSysrq.request(new SysrqKeys("b"), 1700000001L, "a1b2c3d4", IpAddresses.parse("10.0.2.15"), "secret".getBytes(), XtSysrq.Hash.SHA256);
        assertThat(new String(sha256, StandardCharsets.US_ASCII))
                .isEqualTo("b,1700000001,a1b2c3d4,bafc00e0858d01444695533e7f70dbf88fb399bb342a052f7a9628284d469d0c");
    }

    @Test
    void requestIsKeysSeqnoSaltAndTheDigestOfThatWithDestinationAndPassword() throws Exception {
        byte[] pkt = XtSysrq.request(new SysrqKeys("sub"), 1700000000L, "0a1b2c", IpAddresses.parse("10.0.2.15"),
                "secret".getBytes(StandardCharsets.US_ASCII), XtSysrq.Hash.SHA1);
        String s = new String(pkt, StandardCharsets.US_ASCII);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                .digest("sub,1700000000,0a1b2c,10.0.2.15,secret".getBytes(StandardCharsets.US_ASCII)));
        assertThat(s).isEqualTo("sub,1700000000,0a1b2c," + expected);
        byte[] p256 = XtSysrq.request(new SysrqKeys("b"), 5, "ff", IpAddresses.parse("2001:db8::1"), "pw".getBytes(), XtSysrq.Hash.SHA256);
        String e256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("b,5,ff,2001:0db8:0000:0000:0000:0000:0000:0001,pw".getBytes(StandardCharsets.US_ASCII)));
        assertThat(new String(p256, StandardCharsets.US_ASCII)).isEqualTo("b,5,ff," + e256);
    }
}
