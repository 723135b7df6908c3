package io.netrescue.qemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a cpio archive in the "newc" format (what the Linux kernel unpacks as an initramfs): per
 * entry the magic {@code 070701}, thirteen 8-digit hex fields, the NUL-terminated name padded so that
 * header plus name is a multiple of 4 bytes, then the data padded to 4 bytes; a {@code TRAILER!!!}
 * entry ends the archive. Entries are written in the order added, so add a directory before its
 * contents. Names are relative ({@code bin/busybox}), owned by root, with mtime 0.
 */
final class Initramfs {
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    private int nextIno = 1;
    private boolean finished;

    Initramfs dir(String name, int perm) {
        return entry(name, S_IFDIR | perm, 2, new byte[0]);
    }

    Initramfs file(String name, int perm, byte[] data) {
        return entry(name, S_IFREG | perm, 1, data);
    }

    Initramfs symlink(String name, String target) {
        return entry(name, S_IFLNK | 0777, 1, target.getBytes(StandardCharsets.UTF_8));
    }

    /** The archive with its trailer (no more entries can be added afterwards). */
    byte[] bytes() {
        if (!finished) {
            header("TRAILER!!!", 0, 0, 1, 0);
            finished = true;
        }
        return out.toByteArray();
    }

    byte[] gzipped() {
        byte[] raw = bytes();
        ByteArrayOutputStream gz = new ByteArrayOutputStream(raw.length / 2);
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gz.toByteArray();
    }

    private Initramfs entry(String name, int mode, int nlink, byte[] data) {
        if (finished) throw new IllegalStateException("archive already finished");
        if (name.isEmpty() || name.startsWith("/") || name.equals("TRAILER!!!")) throw new IllegalArgumentException("bad name " + name);
        header(name, nextIno++, mode, nlink, data.length);
        out.writeBytes(data);
        pad();
        return this;
    }

    private void header(String name, int ino, int mode, int nlink, int size) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110);
        h.append("070701");
        for (long field : new long[] {
                ino, mode, 0 /* uid */, 0 /* gid */, nlink, 0 /* mtime */, size,
                0 /* devmajor */, 0 /* devminor */, 0 /* rdevmajor */, 0 /* rdevminor */,
                n.length + 1 /* namesize, with the NUL */, 0 /* check */}) {
            h.append(String.format("%08X", field));
        }
        if (h.length() != 110) throw new AssertionError("newc header is 110 bytes, got " + h.length());
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        out.write(0);
        pad(); // header + name is padded to 4; entries start 4-aligned, so the archive offset works
    }

    private void pad() {
        while (out.size() % 4 != 0) out.write(0);
    }
}
