package io.netrescue.boot;

/** The boot loader a decision is rendered for: the same decision, in the loader's own language. */
public enum BootFormat {
    /** An iPXE script, served over HTTP at {@code /boot.ipxe}. */
    IPXE,
    /** A PXELINUX configuration file, served over TFTP as {@code pxelinux.cfg/01-<mac>}. */
    PXELINUX,
    /** A GRUB configuration file, served over TFTP as {@code grub.cfg-01-<mac>}. */
    GRUB;

    /** Whether the loader can fetch this kernel/initrd source (none of them but iPXE speaks https here). */
    public boolean canLoad(String source) {
        return this == IPXE || !source.startsWith("https://");
    }
}
