package io.netrescue.tftp.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the TFTP server's files come from. {@code path} is already normalised by
 * {@link io.netrescue.tftp.TftpPath}: relative, {@code /}-separated, without {@code .}, {@code ..}
 * or empty segments. Return empty for "File not found"; throw
 * {@link java.nio.file.AccessDeniedException} for "Access violation"; any other exception makes
 * the transfer fail with error 0 and is logged.
 */
@FunctionalInterface
public interface TftpFileSource {
    Optional<TftpFile> open(String path, InetSocketAddress client) throws IOException;

    /** This source, and {@code next} for what this one does not have. */
    default TftpFileSource or(TftpFileSource next) {
        return chain(this, next);
    }

    /** The first source that has the file wins. */
    static TftpFileSource chain(TftpFileSource... sources) {
        List<TftpFileSource> list = List.of(sources);
        return (path, client) -> {
            for (TftpFileSource s : list) {
                Optional<TftpFile> f = s.open(path, client);
                if (f.isPresent()) return f;
            }
            return Optional.empty();
        };
    }

    /**
     * Regular files under {@code root}, read-only. Symbolic links are followed only while they stay
     * inside the root; directories, devices, sockets and links that leave the root are "not found".
     *
     * @throws IOException if the root is not an existing directory
     */
    static TftpFileSource directory(Path root) throws IOException {
        return new DirectorySource(root);
    }
}
