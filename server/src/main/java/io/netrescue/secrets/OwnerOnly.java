package io.netrescue.secrets;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories that only netrescue's user may read: the data directory (when netrescue creates
 * it: 0700) and the store (0600: it holds password and token hashes and sealed secrets). On a file system
 * without POSIX permissions these do nothing.
 */
public final class OwnerOnly {
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {}

    /** Creates {@code dir} and its missing parents 0700; an existing directory is left as the operator made it. */
    public static Path createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return dir;
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) createDirectories(parent);
        try {
            if (posix(parent)) Files.createDirectory(dir, attribute(DIR));
            else Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) throw raced;
        }
        return dir;
    }

    /** Creates {@code file} empty and 0600 unless it exists. */
    public static void createFile(Path file) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            if (posix(file.toAbsolutePath().getParent())) Files.createFile(file, attribute(FILE));
            else Files.createFile(file);
        } catch (FileAlreadyExistsException raced) {
            // another process made it: restrict() below still applies
        }
    }

    /** Takes group and other permissions away from each of {@code files} that exists (a store made by an older version was 0644). */
    public static void restrict(Path... files) throws IOException {
        for (Path f : files) {
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || !posix(f)) continue;
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
            if (!FILE.containsAll(p)) {
                p.retainAll(FILE);
                Files.setPosixFilePermissions(f, p);
            }
        }
    }

    private static boolean posix(Path p) {
        return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> p) {
        return PosixFilePermissions.asFileAttribute(p);
    }
}
