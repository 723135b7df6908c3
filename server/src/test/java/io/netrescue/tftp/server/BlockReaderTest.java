package io.netrescue.tftp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockReaderTest {
    /** Counts the reads that reach the file. */
    static final class Counting implements TftpFile {
        final byte[] bytes;
        int reads;
        long size;

        Counting(byte[] bytes) {
            this.bytes = bytes;
            this.size = bytes.length;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public int read(long offset, ByteBuffer dst) {
            reads++;
            int n = (int) Math.max(0, Math.min(dst.remaining(), size - offset));
            dst.put(bytes, (int) offset, n);
            return n;
        }
    }

    @Test
    void readsAheadAndServesBlocksAndResentWindowsFromTheBuffer() throws Exception {
        byte[] data = new byte[BlockReader.READ_AHEAD * 3 + 100];
        new Random(2).nextBytes(data);
        Counting f = new Counting(data);
        try (Arena arena = Arena.ofConfined()) {
            BlockReader r = new BlockReader(f, 16 * 512, arena);
            ByteBuffer out = ByteBuffer.allocate(data.length);
            for (long off = 0; off < data.length; off += 512) {
                int len = (int) Math.min(512, data.length - off);
                assertThat(r.copy(off, len, out)).isTrue();
            }
            assertThat(out.array()).isEqualTo(data);
            assertThat(f.reads).isEqualTo(4); // 64 KiB at a time, not one read per block
            ByteBuffer again = ByteBuffer.allocate(512);
            assertThat(r.copy(data.length - 100, 100, again)).isTrue(); // a resent block still in the buffer
            assertThat(f.reads).isEqualTo(4);
            assertThat(Arrays.copyOf(again.array(), 100)).isEqualTo(Arrays.copyOfRange(data, data.length - 100, data.length));
            assertThat(r.copy(0, 512, again.clear())).isTrue(); // behind the buffer: read again
            assertThat(f.reads).isEqualTo(5);
        }
    }

    @Test
    void aWindowLargerThanTheReadAheadFitsInOneRead() throws Exception {
        byte[] data = new byte[200_000];
        new Random(3).nextBytes(data);
        Counting f = new Counting(data);
        try (Arena arena = Arena.ofConfined()) {
            BlockReader r = new BlockReader(f, 64 * 1468, arena);
            ByteBuffer out = ByteBuffer.allocate(64 * 1468);
            for (int i = 0; i < 64; i++) assertThat(r.copy(i * 1468L, 1468, out)).isTrue();
            assertThat(f.reads).isEqualTo(1);
            assertThat(out.array()).isEqualTo(Arrays.copyOf(data, 64 * 1468));
        }
    }

    @Test
    void aFileThatShrankIsReported() throws Exception {
        byte[] data = new byte[BlockReader.READ_AHEAD + 4096];
        Counting f = new Counting(data);
        try (Arena arena = Arena.ofConfined()) {
            BlockReader r = new BlockReader(f, 512, arena);
            assertThat(r.copy(0, 512, ByteBuffer.allocate(512))).isTrue();
            f.size = BlockReader.READ_AHEAD + 100;
            assertThat(r.copy(BlockReader.READ_AHEAD, 512, ByteBuffer.allocate(512))).isFalse();
        }
    }
}
