package io.netrescue.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OptionNegotiationTest {
    static final OptionNegotiation.Limits LIMITS = new OptionNegotiation.Limits(1468, 64, 192 * 1024);

    static List<TftpOption> opts(String... kv) {
        List<TftpOption> l = new java.util.ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) l.add(new TftpOption(kv[i], kv[i + 1]));
        return l;
    }

    @Test
    void acceptsInTheClientsOrderAndSpelling() {
        var r = OptionNegotiation.negotiate(opts("TSIZE", "0", "BlkSize", "1468", "timeout", "3", "windowsize", "16"), 123456, LIMITS);
        assertThat(r.oack()).isEqualTo(opts("TSIZE", "123456", "BlkSize", "1468", "timeout", "3", "windowsize", "16"));
        assertThat(r.blockSize()).isEqualTo(1468);
        assertThat(r.windowSize()).isEqualTo(16);
        assertThat(r.timeoutSeconds()).isEqualTo(3);
    }

    @Test
    void blksizeIsCappedByTheLimitAndTheRfc() {
        assertThat(OptionNegotiation.negotiate(opts("blksize", "65464"), 0, LIMITS).oack()).isEqualTo(opts("blksize", "1468"));
        var big = new OptionNegotiation.Limits(65464, 64, 1 << 30);
        assertThat(OptionNegotiation.negotiate(opts("blksize", "99999"), 0, big).blockSize()).isEqualTo(65464);
        assertThat(OptionNegotiation.negotiate(opts("blksize", "8"), 0, LIMITS).blockSize()).isEqualTo(8);
    }

    @Test
    void invalidAndUnknownOptionsAreIgnored() {
        var r = OptionNegotiation.negotiate(opts("blksize", "7", "timeout", "0", "timeout", "5", "windowsize", "0", "tsize", "-1",
                "multicast", "", "blksize", "1024", "utimeout", "1000"), 10, LIMITS);
        assertThat(r.sendsOack()).isFalse(); // the first of each name decides; none was valid
        assertThat(r.blockSize()).isEqualTo(512);
        assertThat(r.windowSize()).isEqualTo(1);
        assertThat(r.timeoutSeconds()).isZero();
        assertThat(OptionNegotiation.negotiate(opts("timeout", "256", "blksize", " 512", "windowsize", "65536"), 0, LIMITS).sendsOack()).isFalse();
    }

    @Test
    void windowIsCappedBySizeAndBytes() {
        assertThat(OptionNegotiation.negotiate(opts("windowsize", "65535"), 0, LIMITS).windowSize()).isEqualTo(64);
        var jumbo = new OptionNegotiation.Limits(65464, 64, 192 * 1024);
        var r = OptionNegotiation.negotiate(opts("windowsize", "16", "blksize", "65464"), 0, jumbo);
        assertThat(r.windowSize()).isEqualTo(3); // 3 x 65464 < 192 KiB
        assertThat(r.oack()).isEqualTo(opts("windowsize", "3", "blksize", "65464"));
        var tiny = new OptionNegotiation.Limits(65464, 64, 1000);
        assertThat(OptionNegotiation.negotiate(opts("windowsize", "16", "blksize", "65464"), 0, tiny).windowSize()).isEqualTo(1);
    }

    @Test
    void tsizeOnlyWhenTheSizeIsKnown() {
        assertThat(OptionNegotiation.negotiate(opts("tsize", "0"), -1, LIMITS).sendsOack()).isFalse();
        assertThat(OptionNegotiation.negotiate(opts("tsize", "0"), 0, LIMITS).oack()).isEqualTo(opts("tsize", "0"));
    }
}
