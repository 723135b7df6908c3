package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store holds password hashes, token hashes and sealed secrets: only netrescue's user may read it. */
class StoreFilesTest {
    @TempDir Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theStoreAndItsWalAndShmAreOwnerOnlyAndTheDataDirectoryWeCreateToo() throws Exception {
        Path data = tmp.resolve("var").resolve("data");
        try (Database db = Database.openEmbedded(data)) {
            db.inWriteTransaction(h -> h.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)"));
            db.inWriteTransaction(h -> h.execute("INSERT INTO t VALUES (1)"));
            assertThat(db.quickCheck()).isEqualTo("ok");
            for (String f : new String[] {Database.FILE, Database.FILE + "-wal", Database.FILE + "-shm"}) {
                assertThat(data.resolve(f)).exists();
                assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
            }
        }
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.getParent())).as("every directory netrescue makes").isEqualTo("rwx------");
    }

    @Test
    void aStoreMadeByAnOlderVersionIsNarrowedWhenOpened() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Database db = Database.openEmbedded(data)) {
            assertThat(db.quickCheck()).isEqualTo("ok");
        }
        Files.setPosixFilePermissions(data.resolve(Database.FILE), PosixFilePermissions.fromString("rw-r--r--"));
        try (Database db = Database.openEmbedded(data)) {
            assertThat(mode(data.resolve(Database.FILE))).isEqualTo("rw-------");
            assertThat(mode(data.resolve(Database.FILE + "-wal"))).isEqualTo("rw-------");
        }
        assertThat(mode(data)).as("the operator's own directory keeps its mode").isEqualTo("rwxr-xr-x");
    }
}
