package io.netrescue.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.tftp.MalformedTftpException.Reason;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TftpCodecTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static void golden(TftpPacket p, String hex) throws Exception {
        assertThat(HexFormat.of().formatHex(TftpCodec.encode(p))).isEqualTo(hex.replace(" ", ""));
        assertThat(TftpCodec.decode(hex(hex))).isEqualTo(p);
    }

    @Test
    void goldenPackets() throws Exception {
        // RRQ "pxelinux.0" octet blksize 1468 tsize 0, as PXELINUX-era ROMs send it
        golden(new TftpPacket.ReadRequest("pxelinux.0", TransferMode.OCTET, List.of(new TftpOption("blksize", "1468"), new TftpOption("tsize", "0"))),
                "0001 7078656c696e75782e3000 6f6374657400 626c6b73697a6500 3134363800 7473697a6500 3000");
        golden(new TftpPacket.WriteRequest("a", TransferMode.NETASCII, List.of()), "0002 6100 6e657461736369690 0".replace(" ", ""));
        golden(new TftpPacket.Data(65535, new byte[] {1, 2}), "0003 ffff 0102");
        golden(new TftpPacket.Data(0, new byte[0]), "0003 0000");
        golden(new TftpPacket.Ack(258), "0004 0102");
        golden(new TftpPacket.Error(ErrorCode.FILE_NOT_FOUND, "File not found"), "0005 0001 46696c65206e6f7420666f756e6400");
        golden(new TftpPacket.Error(99, ""), "0005 0063 00");
        golden(new TftpPacket.OptionAck(List.of(new TftpOption("windowsize", "16"))), "0006 77696e646f7773697a6500 313600");
    }

    @Test
    void modeIsCaseInsensitiveAndUtf8NamesWork() throws Exception {
        byte[] raw = hex("0001 c3a9746500 4f4354455400");
        assertThat(TftpCodec.decode(raw)).isEqualTo(new TftpPacket.ReadRequest("\u00e9te", TransferMode.OCTET, List.of()));
    }

    @Test
    void malformedInputIsRefusedWithAReason() {
        refused("", Reason.TRUNCATED);
        refused("0004 00", Reason.TRUNCATED);
        refused("0004 0001 00", Reason.OVERSIZED);          // ACK must be 4 bytes
        refused("0009 0000", Reason.BAD_OPCODE);
        refused("0000 0000", Reason.BAD_OPCODE);
        refused("0001 6100 6f63746574", Reason.TRUNCATED);   // mode not terminated
        refused("0001 00 6f6374657400", Reason.BAD_STRING);   // empty filename
        refused("0001 6100 7a697000", Reason.BAD_MODE);       // "zip"
        refused("0001 6100 6f6374657400 626c6b73697a6500", Reason.BAD_OPTION); // option without a value
        refused("0001 6100 6f6374657400 00 3100", Reason.BAD_OPTION);          // empty option name
        refused("0001 ff00 6f6374657400", Reason.BAD_STRING); // not UTF-8
        refused("0005 0001 6162", Reason.TRUNCATED);          // error message not terminated
        refused("0005 0001 6100 62", Reason.OVERSIZED);       // bytes after the message
        refused("0006 0000", Reason.BAD_OPTION);         // empty option name
        refused("0006 6100", Reason.BAD_OPTION);
        byte[] big = new byte[TftpCodec.MAX_PACKET + 1];
        big[1] = 3;
        assertThatThrownBy(() -> TftpCodec.decode(big)).isInstanceOfSatisfying(MalformedTftpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.OVERSIZED));
        StringBuilder many = new StringBuilder("0001 6100 6f6374657400");
        for (int i = 0; i <= TftpCodec.MAX_OPTIONS; i++) many.append("6100 6200");
        refused(many.toString(), Reason.BAD_OPTION);
    }

    @Test
    void largestDataPacketDecodes() throws Exception {
        byte[] raw = new byte[TftpCodec.MAX_PACKET];
        raw[1] = 3;
        assertThat(((TftpPacket.Data) TftpCodec.decode(raw)).length()).isEqualTo(TftpPacket.MAX_BLOCK_SIZE);
    }

    @Test
    void recordsRefuseWhatTheWireCannotCarry() {
        assertThatThrownBy(() -> new TftpPacket.Ack(65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TftpPacket.Error(0, "a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TftpPacket.ReadRequest("", TransferMode.OCTET, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TftpPacket.OptionAck(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    static void refused(String hex, Reason reason) {
        assertThatThrownBy(() -> TftpCodec.decode(hex(hex))).as(hex).isInstanceOfSatisfying(MalformedTftpException.class,
                e -> assertThat(e.reason()).as(hex + ": " + e.getMessage()).isEqualTo(reason));
    }
}
