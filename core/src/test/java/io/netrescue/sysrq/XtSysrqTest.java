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
