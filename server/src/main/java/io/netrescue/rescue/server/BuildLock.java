package io.netrescue.rescue.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive lock of a rescue image build's directories: an OS file lock ({@link FileChannel#tryLock})
 * on {@code DIR/build.lock}, held for the whole build. The OS drops it when the process dies, however it
 * dies, so a lock left by a killed build never blocks the next one. The file holds the holder's PID, for
 * the message the second build prints. A second build in the same JVM is refused without touching the file
 * (closing any channel on a POSIX-locked file would release the lock held through another).
 */
final class BuildLock implements AutoCloseable {
    static final String FILE = "build.lock";
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private record Held(Path file, FileChannel channel, FileLock lock) {}

    private final List<Held> held;

    private BuildLock(List<Held> held) {
        this.held = held;
    }

    /** Locks every directory (created if missing), in order; none is left locked if one is busy. */
    static BuildLock acquire(List<Path> dirs) throws IOException {
        List<Held> held = new ArrayList<>();
        try {
            for (Path dir : dirs) {
                Path file = Files.createDirectories(dir).toRealPath().resolve(FILE);
                if (held.stream().anyMatch(h -> h.file().equals(file))) continue;
                if (!HELD_HERE.add(file)) throw busy(dir, ProcessHandle.current().pid());
                FileChannel ch;
                try {
                    ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (IOException | RuntimeException e) {
                    HELD_HERE.remove(file);
                    throw e;
                }
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (IOException | OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    long pid = holder(ch);
                    ch.close();
                    HELD_HERE.remove(file);
                    throw busy(dir, pid);
                }
                held.add(new Held(file, ch, lock));
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            }
            return new BuildLock(held);
        } catch (IOException | RuntimeException e) {
            new BuildLock(held).close();
            throw e;
        }
    }

    private static long holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("[0-9]{1,10}") ? Long.parseLong(s) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static RescueImageBuilder.BuildFailed busy(Path dir, long pid) {
        return new RescueImageBuilder.BuildFailed("another rescue image build" + (pid > 0 ? " (pid " + pid + ")" : "") + " is using " + dir
                + ": wait for it to finish", List.of());
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Held h : held.reversed()) {
            try {
                h.channel().close(); // releases the lock
            } catch (IOException e) {
                if (first == null) first = e;
            } finally {
                HELD_HERE.remove(h.file());
            }
        }
        held.clear();
        if (first != null) throw first;
    }
}
