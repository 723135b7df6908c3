package io.netrescue.dhcp;

/**
 * A client system architecture type (RFC 4578 option 93, IANA "Processor Architecture Types").
 * Unknown codes are kept, so a new firmware never makes a request unreadable.
 */
public record ClientArch(int code) {
    public static final ClientArch BIOS = new ClientArch(0);
    public static final ClientArch EFI_IA32 = new ClientArch(6);
    public static final ClientArch EFI_X64 = new ClientArch(7);
    public static final ClientArch EFI_BC = new ClientArch(9); // EFI byte code: x86-64 firmware sends it too
    public static final ClientArch EFI_ARM64 = new ClientArch(11);
    public static final ClientArch HTTP_X64 = new ClientArch(16);
    public static final ClientArch HTTP_ARM64 = new ClientArch(19);

    public ClientArch {
        if (code < 0 || code > 0xFFFF) throw new IllegalArgumentException("architecture type " + code + " is not 16 bits");
    }

    /** What a boot file is chosen by. */
    public enum Family { BIOS, EFI_X64, EFI_ARM64, OTHER }

    public Family family() {
        return switch (code) {
            case 0 -> Family.BIOS;
            case 7, 9, 16 -> Family.EFI_X64;
            case 11, 19 -> Family.EFI_ARM64;
            default -> Family.OTHER;
        };
    }

    @Override
    public String toString() {
        return switch (code) {
            case 0 -> "bios";
            case 6 -> "efi-ia32";
            case 7 -> "efi-x64";
            case 9 -> "efi-bc";
            case 11 -> "efi-arm64";
            case 16 -> "http-x64";
            case 19 -> "http-arm64";
            default -> "arch-" + code;
        };
    }
}
