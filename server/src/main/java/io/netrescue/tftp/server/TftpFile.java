package io.netrescue.tftp.server;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One file being served: a fixed size, read by position so a window can be resent. The size is
 * taken when the file is opened; a file that shrinks while it is sent fails the transfer, one that
 * grows is sent up to its old size.
 */
public interface TftpFile extends Closeable {
    long size();

    /**
     * Reads from {@code offset} into {@code dst} until it is full or the file ends.
     *
     * @return the bytes read (fewer than {@code dst.remaining()} only at the end of the file)
     */
    int read(long offset, ByteBuffer dst) throws IOException;

    @Override
    default void close() throws IOException {}

    /**
     * Called once, when the client first acknowledges what it was sent: its address is proven (a read
     * request alone can be forged). Generated content applies its side effects here.
     */
    default void heard() {}

    /** Generated content, e.g. a per-machine boot menu. The array is not copied: do not change it afterwards. */
    static TftpFile of(byte[] bytes) {
        return of(bytes, () -> {});
    }

    /** Generated content whose side effects ({@code onHeard}) wait until the client proves its address. */
    static TftpFile of(byte[] bytes, Runnable onHeard) {
        return new TftpFile() {
            @Override
            public void heard() {
                onHeard.run();
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public int read(long offset, ByteBuffer dst) {
                if (offset >= bytes.length) return 0;
                int n = (int) Math.min(dst.remaining(), bytes.length - offset);
                dst.put(bytes, (int) offset, n);
                return n;
            }
        };
    }

    /** An open file on disk, read with positional reads (concurrent transfers share nothing). Closes the channel. */
    static TftpFile of(FileChannel channel) throws IOException {
        long size = channel.size();
        return new TftpFile() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public int read(long offset, ByteBuffer dst) throws IOException {
                int total = 0;
                while (dst.hasRemaining() && offset + total < size) {
                    int n = channel.read(dst, offset + total);
                    if (n < 0) break;
                    total += n;
                }
                return total;
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
