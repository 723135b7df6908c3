package io.netrescue.dhcp;

import static io.netrescue.dhcp.Packets.HEX;
import static io.netrescue.dhcp.Packets.ascii;
import static io.netrescue.dhcp.Packets.opt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PxeClientTest {

    static PxeClient parse(Consumer<ByteArrayOutputStream> options) throws MalformedDhcpException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        opt(o, 53, new byte[] {1});
        options.accept(o);
        o.write(255);
        return PxeClient.parse(Packets.decode(Packets.request(Packets.VM_MAC, 1, 0, 0, o.toByteArray())));
    }

    @Test
    void readsWhatIpxeSends() {
        PxeClient c = Packets.client(Packets.decode(Packets.ipxeDiscover(1)));
        assertThat(c.type()).isEqualTo(MessageType.DISCOVER);
        assertThat(c.mac()).isEqualTo(MacAddress.parse("52:54:00:12:34:56"));
        assertThat(c.vendorClass()).isEqualTo(PxeClient.VendorClass.PXE);
        assertThat(c.arch()).isEqualTo(ClientArch.BIOS);
        assertThat(c.archFromOption93()).isTrue();
        assertThat(c.ipxe()).isTrue();
        // SMBIOS byte order on the wire, the normal form after parsing (QEMU -uuid)
        assertThat(c.uuid()).contains(SmbiosUuid.parse("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab"));
        assertThat(c.uuid().orElseThrow().wireBytes()).isEqualTo(HEX.parseHex("4e0b5b8c6a2f1e4d9a610123456789ab"));
    }

    @Test
    void archFallsBackToTheVendorClass() throws Exception {
        PxeClient c = parse(o -> opt(o, 60, ascii("PXEClient:Arch:00007:UNDI:003016")));
        assertThat(c.arch()).isEqualTo(ClientArch.EFI_X64);
        assertThat(c.archFromOption93()).isFalse();
        assertThat(parse(o -> opt(o, 60, ascii("PXEClient"))).arch()).isEqualTo(ClientArch.BIOS);
        assertThat(parse(o -> opt(o, 60, ascii("PXEClient:Arch:0x007"))).arch()).isEqualTo(ClientArch.BIOS);
        assertThat(parse(o -> opt(o, 60, ascii("HTTPClient:Arch:00016:UNDI:003001"))).vendorClass()).isEqualTo(PxeClient.VendorClass.HTTP);
        assertThat(parse(o -> opt(o, 60, ascii("udhcp 1.36"))).vendorClass()).isEqualTo(PxeClient.VendorClass.OTHER);
        assertThat(parse(o -> {}).vendorClass()).isEqualTo(PxeClient.VendorClass.OTHER);
    }

    @Test
    void option93TakesPrecedenceAndItsFirstEntryCounts() throws Exception {
        PxeClient c = parse(o -> {
            opt(o, 60, ascii("PXEClient:Arch:00000:UNDI:002001"));
            opt(o, 93, HEX.parseHex("000b0007"));
        });
        assertThat(c.arch()).isEqualTo(ClientArch.EFI_ARM64);
    }

    @Test
    void recognisesIpxeInEveryForm() throws Exception {
        assertThat(parse(o -> opt(o, 77, ascii("iPXE"))).ipxe()).isTrue();
        assertThat(parse(o -> opt(o, 77, HEX.parseHex("03666f6f" + "0469505845"))).ipxe()).isTrue(); // RFC 3004: "foo", "iPXE"
        assertThat(parse(o -> opt(o, 175, HEX.parseHex("eb03010000"))).ipxe()).isTrue();
        assertThat(parse(o -> opt(o, 77, ascii("iPXE2"))).ipxe()).isFalse();
        assertThat(parse(o -> opt(o, 77, HEX.parseHex("05695058"))).ipxe()).isFalse(); // length prefix past the end
        assertThat(parse(o -> {}).ipxe()).isFalse();
    }

    @Test
    void placeholderUuidsAreNoUuid() throws Exception {
        assertThat(parse(o -> opt(o, 97, new byte[17])).uuid()).isEmpty();
    }

    @Test
    void refusesMalformedFieldsWeRelyOn() {
        assertThatThrownBy(() -> parse(o -> opt(o, 93, HEX.parseHex("00")))).hasMessageContaining("option 93");
        assertThatThrownBy(() -> parse(o -> opt(o, 97, HEX.parseHex("01" + "00".repeat(16))))).hasMessageContaining("option 97");
        assertThatThrownBy(() -> parse(o -> opt(o, 97, HEX.parseHex("00" + "00".repeat(15))))).hasMessageContaining("option 97");
        assertThatThrownBy(() -> parse(o -> opt(o, 50, HEX.parseHex("0a00")))).hasMessageContaining("option 50");
        assertThatThrownBy(() -> PxeClient.parse(Packets.decode(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("ff")))))
                .hasMessageContaining("no message type");
        assertThatThrownBy(() -> PxeClient.parse(Packets.decode(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("350109ff")))))
                .hasMessageContaining("unknown message type 9");
        byte[] tokenRing = Packets.ipxeDiscover(1);
        tokenRing[1] = 6;
        assertThatThrownBy(() -> PxeClient.parse(Packets.decode(tokenRing))).hasMessageContaining("not Ethernet");
    }
}
