package io.netrescue.tftp.server;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;

/**
 * A file's blocks through a read-ahead buffer: one positional read fills it with many blocks (at
 * least a whole window), instead of one read per block. A window resent after a loss is usually
 * still in the buffer.
 */
final class BlockReader {
    /** Read-ahead size: 128 blocks of 512 bytes per read, 64 KiB of native memory per transfer. */
    static final int READ_AHEAD = 64 << 10;

    private final TftpFile file;
    private final ByteBuffer chunk;
    private long start, end; // the file bytes [start, end) are in chunk

    /** @param window the most bytes one window needs at once */
    BlockReader(TftpFile file, int window, Arena arena) {
        this.file = file;
        long capacity = Math.max(window, Math.min(READ_AHEAD, file.size()));
        this.chunk = arena.allocate(Math.max(1, capacity), 16).asByteBuffer();
    }

    /**
     * Puts the {@code length} file bytes at {@code offset} into {@code dst} at its position.
     *
     * @return false when the file ends before them (it shrank since it was opened)
     */
    boolean copy(long offset, int length, ByteBuffer dst) throws IOException {
        if (offset < start || offset + length > end) {
            chunk.clear();
            int n = file.read(offset, chunk);
            start = offset;
            end = offset + n;
            if (offset + length > end) return false;
        }
        dst.put(dst.position(), chunk, (int) (offset - start), length).position(dst.position() + length);
        return true;
    }
}
