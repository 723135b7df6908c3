package io.netrescue.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code /proc/sysrq-trigger}, opened once at start and kept open: when the host is dying, opening a
 * file may be exactly what hangs (a stuck filesystem, no memory for a new file descriptor).
 */
final class SysrqTrigger implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);

    SysrqTrigger(Path path) throws IOException {
        this.channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Presses one key; the kernel acts on each single-byte write. */
    synchronized void press(char key) throws IOException {
        one.clear();
        one.put((byte) key).flip();
        while (one.hasRemaining()) channel.write(one);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
