package io.netrescue.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Whatever a client sends: the codec decodes it or throws MalformedTftpException and nothing else,
 * negotiation stays within the limits, paths never escape, and a transfer never throws, never sends
 * outside the file, keeps its RTO between floor and ceiling and ends after a bounded time (and
 * number of timeouts) without progress.
 */
class TftpFuzzTest {
    static final OptionNegotiation.Limits LIMITS = new OptionNegotiation.Limits(1468, 64, 192 * 1024);

    @FuzzTest(maxDuration = "15s")
    void decodeIsStrictAndRoundTrips(FuzzedDataProvider d) {
        byte[] raw = d.consumeRemainingAsBytes();
        try {
            TftpPacket p = TftpCodec.decode(raw);
            byte[] again = TftpCodec.encode(p);
            assertThat(TftpCodec.decode(again)).isEqualTo(p); // mode spelling may differ, the packet may not
            if (!(p instanceof TftpPacket.Request)) assertThat(again).isEqualTo(raw);
        } catch (MalformedTftpException expected) {
            // counted and dropped by the server
        }
    }

    @FuzzTest(maxDuration = "15s")
    void negotiationStaysWithinLimits(FuzzedDataProvider d) {
        OptionNegotiation.Limits limits = new OptionNegotiation.Limits(d.consumeInt(8, TftpPacket.MAX_BLOCK_SIZE),
                d.consumeInt(1, 65535), d.consumeInt(1, Integer.MAX_VALUE));
        long size = d.consumeLong(-1, Long.MAX_VALUE / 2);
        List<TftpOption> opts = new ArrayList<>();
        int n = d.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            String name = d.pickValue(new String[] {"blksize", "BLKSIZE", "tsize", "timeout", "windowsize", "x"});
            opts.add(new TftpOption(name, d.consumeString(12)));
        }
        OptionNegotiation.Result r = OptionNegotiation.negotiate(opts, size, limits);
        // without an accepted blksize the RFC 1350 default applies, whatever the limit
        assertThat(r.blockSize() == TftpPacket.DEFAULT_BLOCK_SIZE || r.blockSize() <= limits.maxBlockSize()).isTrue();
        assertThat(r.blockSize()).isBetween(8, TftpPacket.MAX_BLOCK_SIZE);
        assertThat(r.windowSize()).isBetween(1, limits.maxWindowSize());
        assertThat(r.windowSize() == 1 || (long) r.windowSize() * r.blockSize() <= limits.maxWindowBytes()).isTrue();
        assertThat(r.timeoutSeconds()).isBetween(0, 255);
        assertThat(r.oack().size()).isLessThanOrEqualTo(4);
        if (r.sendsOack()) new TftpPacket.OptionAck(r.oack()); // always encodable
    }

    @FuzzTest(maxDuration = "15s")
    void pathsNeverEscape(FuzzedDataProvider d) {
        String raw = d.consumeRemainingAsString();
        if (TftpPath.normalize(raw) instanceof TftpPath.Result.Accepted(String p)) {
            assertThat(p).isNotEmpty().doesNotStartWith("/").doesNotContain("\\").doesNotContain("//").doesNotEndWith("/");
            for (String seg : p.split("/")) assertThat(seg).isNotIn("", ".", "..");
            assertThat(TftpPath.normalize(p)).isEqualTo(new TftpPath.Result.Accepted(p)); // idempotent
        }
    }

    @FuzzTest(maxDuration = "30s")
    void transferNeverThrowsAndEnds(FuzzedDataProvider d) {
        long size = d.consumeLong(0, 1L << 26);
        List<TftpOption> opts = new ArrayList<>();
        if (d.consumeBoolean()) opts.add(new TftpOption("blksize", Integer.toString(d.consumeInt(1, 70000))));
        if (d.consumeBoolean()) opts.add(new TftpOption("windowsize", Integer.toString(d.consumeInt(1, 70000))));
        if (d.consumeBoolean()) opts.add(new TftpOption("tsize", "0"));
        if (d.consumeBoolean()) opts.add(new TftpOption("timeout", Integer.toString(d.consumeInt(0, 300))));
        int retries = d.consumeInt(0, 5);
        long timeout = d.consumeLong(1, 3_000_000_000L), min = d.consumeLong(1, timeout);
        ReadTransfer t = new ReadTransfer(size, OptionNegotiation.negotiate(opts, size, LIMITS), timeout, min, retries);
        RttEstimator rtt = t.rtt();
        // resends without progress: doublings from the floor to the ceiling, then ceilings until the give-up
        long maxTimeouts = 64 - Long.numberOfLeadingZeros(rtt.max() / rtt.min()) + retries + 2;
        long now = 0, progressAt = 0;
        ReadTransfer.Action a = t.start(now);
        long timeoutsInARow = 0;
        for (int step = 0; step < 200 && a != ReadTransfer.Action.COMPLETE && a != ReadTransfer.Action.FAIL; step++) {
            if (a == ReadTransfer.Action.SEND_DATA) {
                assertThat(t.sendFrom()).isGreaterThanOrEqualTo(1);
                assertThat(t.sendCount()).isBetween(1, t.windowSize());
                long last = t.sendFrom() + t.sendCount() - 1;
                assertThat(last).isLessThanOrEqualTo(t.lastBlock());
                assertThat(t.offset(last) + t.length(last)).isLessThanOrEqualTo(size);
            }
            assertThat(rtt.rto()).isBetween(rtt.min(), rtt.max());
            assertThat(t.deadline() - progressAt).as("never waits past the give-up").isLessThanOrEqualTo(t.giveUpNanos());
            now += d.consumeLong(0, 2 * rtt.max());
            int kind = d.consumeInt(0, 3);
            if (kind == 0) {
                boolean due = now - t.deadline() >= 0;
                a = t.onTimeout(now);
                if (a == ReadTransfer.Action.FAIL) assertThat(now - progressAt).isGreaterThanOrEqualTo(t.giveUpNanos());
                if (due) timeoutsInARow++;
                else assertThat(a).isEqualTo(ReadTransfer.Action.WAIT);
            } else {
                long ackedBefore = t.acked();
                boolean heardBefore = t.heard();
                if (kind == 1 && t.sendCount() > 0) {
                    // a plausible ACK inside the current window
                    long b = t.sendFrom() - 1 + d.consumeInt(0, t.sendCount());
                    a = t.onDatagram(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Ack(ReadTransfer.wireBlock(b)))), now);
                } else {
                    a = t.onDatagram(ByteBuffer.wrap(d.consumeBytes(40)), now);
                }
                if (t.acked() != ackedBefore || t.heard() != heardBefore) {
                    progressAt = now;
                    timeoutsInARow = 0;
                }
            }
            assertThat(timeoutsInARow).isLessThanOrEqualTo(maxTimeouts);
        }
        if (a == ReadTransfer.Action.COMPLETE) assertThat(t.acked()).isEqualTo(t.lastBlock());
    }
}
