package io.netrescue.tftp;

import static io.netrescue.tftp.ReadTransfer.Action.COMPLETE;
import static io.netrescue.tftp.ReadTransfer.Action.FAIL;
import static io.netrescue.tftp.ReadTransfer.Action.SEND_DATA;
import static io.netrescue.tftp.ReadTransfer.Action.SEND_OACK;
import static io.netrescue.tftp.ReadTransfer.Action.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The transfer state machine with time as a plain number (nanoseconds): no sockets, no clock. */
class ReadTransferTest {
    static final long T = 1_000_000_000L; // the default timeout: 1 s
    static final OptionNegotiation.Limits LIMITS = new OptionNegotiation.Limits(1468, 64, 192 * 1024);

    static final long MS = 1_000_000L;

    /** A fixed timeout T (floor = ceiling), as before the timer adapted: the rules without RTT arithmetic. */
    static ReadTransfer transfer(long size, TftpOption... options) {
        return new ReadTransfer(size, OptionNegotiation.negotiate(List.of(options), size, LIMITS), T, T, 3);
    }

    /** The server's defaults: T until the first round trip, then the RTT estimate, at least 20 ms, at most T (or the client's timeout). */
    static ReadTransfer adaptive(long size, TftpOption... options) {
        return new ReadTransfer(size, OptionNegotiation.negotiate(List.of(options), size, LIMITS), T, 20 * MS, 3);
    }

    static ByteBuffer ack(int block) {
        return ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Ack(block)));
    }

    @Test
    void lockStepToTheShortLastBlock() {
        ReadTransfer t = transfer(1000);
        assertThat(t.start(0)).isEqualTo(SEND_DATA);
        assertThat(t.sendFrom()).isEqualTo(1);
        assertThat(t.sendCount()).isEqualTo(1);
        assertThat(t.length(1)).isEqualTo(512);
        assertThat(t.onDatagram(ack(1), 10)).isEqualTo(SEND_DATA);
        assertThat(t.sendFrom()).isEqualTo(2);
        assertThat(t.length(2)).isEqualTo(488);
        assertThat(t.onDatagram(ack(2), 20)).isEqualTo(COMPLETE);
    }

    @Test
    void exactMultipleAndEmptyFilesEndWithAnEmptyBlock() {
        ReadTransfer t = transfer(1024);
        assertThat(t.lastBlock()).isEqualTo(3);
        assertThat(t.length(3)).isZero();
        ReadTransfer e = transfer(0);
        e.start(0);
        assertThat(e.length(1)).isZero();
        assertThat(e.onDatagram(ack(1), 1)).isEqualTo(COMPLETE);
    }

    @Test
    void duplicateAckNeverResends() {
        ReadTransfer t = transfer(5000);
        t.start(0);
        assertThat(t.onDatagram(ack(1), 1)).isEqualTo(SEND_DATA);
        assertThat(t.onDatagram(ack(1), 2)).isEqualTo(WAIT); // the sorcerer's apprentice would resend block 2 here
        assertThat(t.onDatagram(ack(7), 3)).isEqualTo(WAIT); // not sent yet
        assertThat(t.ignored()).isEqualTo(2);
        assertThat(t.deadline()).isEqualTo(1 + T); // neither extended the deadline
    }

    @Test
    void timeoutResendsThenGivesUp() {
        ReadTransfer t = transfer(5000);
        t.start(0);
        assertThat(t.onTimeout(T - 1)).isEqualTo(WAIT); // early
        for (int i = 1; i <= 3; i++) {
            assertThat(t.onTimeout(i * T)).isEqualTo(SEND_DATA);
            assertThat(t.sendFrom()).isEqualTo(1);
        }
        assertThat(t.onTimeout(4 * T)).isEqualTo(FAIL);
        assertThat(t.errorToSend()).isEqualTo(new TftpPacket.Error(0, "Transfer timed out"));
        assertThat(t.resent()).isEqualTo(3);
    }

    @Test
    void aMeasuredRoundTripShortensTheWait() {
        ReadTransfer t = adaptive(5000);
        t.start(0);
        assertThat(t.deadline()).as("nothing measured yet: the server's timeout").isEqualTo(T);
        assertThat(t.onDatagram(ack(1), 2 * MS)).isEqualTo(SEND_DATA);
        assertThat(t.rtt().srtt()).isEqualTo(2 * MS);
        assertThat(t.deadline()).as("2 ms + 4 x 1 ms is under the 20 ms floor").isEqualTo(2 * MS + 20 * MS);
        assertThat(t.onTimeout(21 * MS)).isEqualTo(WAIT);
        assertThat(t.onTimeout(22 * MS)).isEqualTo(SEND_DATA); // block 2 lost: resent after 20 ms, not 1 s
        assertThat(t.sendFrom()).isEqualTo(2);
        assertThat(t.deadline()).as("backed off").isEqualTo(22 * MS + 40 * MS);
    }

    @Test
    void theClientsTimeoutIsTheCeilingNotTheWait() {
        ReadTransfer t = adaptive(5000, new TftpOption("timeout", "6")); // what curl asks for
        assertThat(t.start(0)).isEqualTo(SEND_OACK);
        assertThat(t.oack()).containsExactly(new TftpOption("timeout", "6")); // still acknowledged
        assertThat(t.deadline()).as("the server's 1 s before any sample, not 6 s").isEqualTo(T);
        assertThat(t.onDatagram(ack(0), MS)).isEqualTo(SEND_DATA);
        assertThat(t.deadline()).isEqualTo(MS + 20 * MS);
        assertThat(t.rtt().max()).isEqualTo(6 * T);
        assertThat(t.giveUpNanos()).isEqualTo(4 * 6 * T); // retries 3: as long as before for a silent client
    }

    /** Attack finding F2: forged read requests asking for timeout 255 held every transfer slot for 25 minutes. */
    @Test
    void aClientThatNeverAcknowledgedGivesUpOnTheServersTimeNotItsOwn() {
        ReadTransfer t = adaptive(5000, new TftpOption("timeout", "255"));
        assertThat(t.start(0)).isEqualTo(SEND_OACK);
        assertThat(t.giveUpNanos()).as("unproven: the server's 4 x 1 s").isEqualTo(4 * T);
        long now = 0;
        ReadTransfer.Action a;
        do {
            now = t.deadline();
            a = t.onTimeout(now);
        } while (a != FAIL);
        assertThat(now).isEqualTo(4 * T);
        assertThat(t.failure()).contains("never acknowledged");
        // a client that acknowledged has its own ceiling
        ReadTransfer heard = adaptive(5000, new TftpOption("timeout", "255"));
        heard.start(0);
        heard.onDatagram(ack(0), MS);
        assertThat(heard.giveUpNanos()).isEqualTo(4 * 255 * T);
    }

    @Test
    void consecutiveTimeoutsBackOffToTheCeilingAndTheGiveUpStaysBounded() {
        ReadTransfer t = adaptive(5000);
        t.start(0);
        t.onDatagram(ack(1), MS); // block 2 sent at 1 ms, RTO 20 ms
        List<Long> waits = new java.util.ArrayList<>();
        long now = MS;
        ReadTransfer.Action a;
        while (true) {
            long d = t.deadline();
            waits.add((d - now) / MS);
            now = d;
            a = t.onTimeout(now);
            if (a == FAIL) break;
            assertThat(a).isEqualTo(SEND_DATA);
            assertThat(t.sendFrom()).isEqualTo(2);
        }
        // 20, 40, ... doubling to the 1 s ceiling; the last wait ends at the give-up: 4 x 1 s after the last progress
        assertThat(waits).containsExactly(20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L, 740L);
        assertThat(now).isEqualTo(MS + 4 * T);
        assertThat(t.errorToSend()).isEqualTo(new TftpPacket.Error(0, "Transfer timed out"));
        assertThat(t.timeouts()).isEqualTo(8);
    }

    @Test
    void theAckOfAResentBlockIsNoSampleAndTheBackoffHoldsUntilOne() {
        ReadTransfer t = adaptive(5000);
        t.start(0);
        t.onDatagram(ack(1), MS);                    // sample 1 ms: RTO 20 ms
        assertThat(t.onTimeout(21 * MS)).isEqualTo(SEND_DATA); // block 2 again, RTO 40 ms
        assertThat(t.onDatagram(ack(2), 500 * MS)).isEqualTo(SEND_DATA); // the first copy's ACK, or the second's?
        assertThat(t.rtt().samples()).isEqualTo(1);
        assertThat(t.deadline()).as("block 3 waits the backed-off RTO").isEqualTo(540 * MS);
        assertThat(t.onDatagram(ack(3), 503 * MS)).isEqualTo(SEND_DATA);
        assertThat(t.rtt().samples()).isEqualTo(2);
        assertThat(t.deadline()).isEqualTo(523 * MS);
    }

    @Test
    void aWindowIsTimedByItsLastBlock() {
        ReadTransfer t = adaptive(20 * 512, new TftpOption("windowsize", "4"));
        t.start(0);
        t.onDatagram(ack(0), 2 * MS);             // OACK round trip: 2 ms
        assertThat(t.rtt().samples()).isEqualTo(1);
        t.onDatagram(ack(2), 3 * MS);             // a gap: resend 3..6, no sample
        assertThat(t.rtt().samples()).isEqualTo(1);
        t.onDatagram(ack(6), 8 * MS);             // 6 was new in that window: 5 ms
        assertThat(t.rtt().samples()).isEqualTo(2);
        assertThat(t.rtt().srtt()).isEqualTo((7 * 2 * MS + 5 * MS) / 8);
    }

    @Test
    void oackWaitsForAckZero() {
        ReadTransfer t = transfer(5000, new TftpOption("blksize", "1024"), new TftpOption("windowsize", "4"));
        assertThat(t.start(0)).isEqualTo(SEND_OACK);
        assertThat(t.onDatagram(ack(1), 1)).isEqualTo(WAIT);
        assertThat(t.onTimeout(T)).isEqualTo(SEND_OACK);
        assertThat(t.onDatagram(ack(0), T + 1)).isEqualTo(SEND_DATA);
        assertThat(t.sendFrom()).isEqualTo(1);
        assertThat(t.sendCount()).isEqualTo(4);
        // 5000 bytes at 1024: blocks 1-4 full, block 5 = 904 bytes
        assertThat(t.onDatagram(ack(2), T + 2)).isEqualTo(SEND_DATA); // a gap after 2: resend from 3
        assertThat(t.sendFrom()).isEqualTo(3);
        assertThat(t.sendCount()).isEqualTo(3);
        assertThat(t.length(5)).isEqualTo(904);
        assertThat(t.onDatagram(ack(5), T + 3)).isEqualTo(COMPLETE);
    }

    @Test
    void clientErrorEndsWithoutAnswer() {
        ReadTransfer t = transfer(5000, new TftpOption("tsize", "0"));
        t.start(0);
        ByteBuffer err = ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Error(8, "tsize only")));
        assertThat(t.onDatagram(err, 1)).isEqualTo(FAIL);
        assertThat(t.clientAborted()).isTrue();
        assertThat(t.errorToSend()).isNull();
    }

    @Test
    void garbageIsCountedAndChangesNothing() {
        ReadTransfer t = transfer(5000);
        t.start(0);
        assertThat(t.onDatagram(ByteBuffer.wrap(new byte[] {0, 4, 0}), 1)).isEqualTo(WAIT);
        assertThat(t.onDatagram(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Data(1, new byte[3]))), 1)).isEqualTo(WAIT);
        assertThat(t.malformed()).isEqualTo(1);
        assertThat(t.ignored()).isEqualTo(1);
        assertThat(t.deadline()).isEqualTo(T);
    }

    @Test
    void blockNumbersRollOverToZero() {
        long size = 70_000L * 512; // 70,001 blocks
        ReadTransfer t = transfer(size, new TftpOption("windowsize", "8"));
        t.start(0);
        t.onDatagram(ack(0), 0);
        long now = 1;
        while (true) {
            long last = t.sendFrom() + t.sendCount() - 1;
            ReadTransfer.Action a = t.onDatagram(ack(ReadTransfer.wireBlock(last)), now++);
            if (a == COMPLETE) break;
            assertThat(a).isEqualTo(SEND_DATA);
            assertThat(t.sendFrom()).isEqualTo(last + 1);
        }
        assertThat(t.acked()).isEqualTo(70_001);
        assertThat(ReadTransfer.wireBlock(65_536)).isZero();
        assertThat(t.resent()).isZero();
    }

    @Test
    void netasciiEncodesLineEnds() {
        assertThat(Netascii.encode("a\nb\rc\r\n".getBytes())).isEqualTo("a\r\nb\r\0c\r\0\r\n".getBytes());
        assertThat(Netascii.encodedLength("\n\n".getBytes())).isEqualTo(4);
    }
}
