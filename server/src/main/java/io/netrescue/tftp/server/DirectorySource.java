package io.netrescue.tftp.server;

import io.netrescue.tftp.TftpPath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/** {@link TftpFileSource#directory}: confined to the real path of its root. */
final class DirectorySource implements TftpFileSource {
    private final Path root;

    DirectorySource(Path root) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) throw new NotDirectoryException(root.toString());
    }

    @Override
    public Optional<TftpFile> open(String path, InetSocketAddress client) throws IOException {
        // the server normalised the path already; checking again keeps this class safe on its own
        if (!(TftpPath.normalize(path) instanceof TftpPath.Result.Accepted(String rel))) return Optional.empty();
        Path real;
        try {
            real = root.resolve(rel).toRealPath(); // resolves every symbolic link on the way
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (e instanceof java.nio.file.FileSystemException fe && fe.getReason() != null && fe.getReason().contains("Too many levels")) {
                return Optional.empty(); // a symbolic link loop
            }
            throw e;
        }
        if (!real.startsWith(root)) return Optional.empty(); // a link that leaves the root
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) return Optional.empty();
        // NOFOLLOW_LINKS: a link swapped in after the check is refused, not followed
        return Optional.of(TftpFile.of(FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
    }

    @Override
    public String toString() {
        return "directory " + root;
    }
}
