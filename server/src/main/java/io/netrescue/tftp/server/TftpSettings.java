package io.netrescue.tftp.server;

import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.tftp.OptionNegotiation;
import io.netrescue.tftp.TftpPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The TFTP server's settings, meant for the TOML config's {@code [tftp]} table (kebab-case keys).
 * Null fields take the defaults below; {@link #validate()} names the setting that is wrong.
 *
 * @param listen address:port to serve on, e.g. {@code 0.0.0.0:69}; empty: no TFTP server
 * @param maxBlksize the largest block size agreed to (8..65464). 1468 fills a 1500-byte Ethernet
 *     frame without IP fragmentation (1500 - 20 IP - 8 UDP - 4 TFTP); raise it only where the path
 *     MTU is larger (jumbo frames), since PXE ROMs handle fragments badly
 * @param maxWindowsize the largest RFC 7440 window agreed to (1..65535)
 * @param maxWindowBytes window x block size stays under this: a window bigger than the client's
 *     socket receive buffer (Linux default 208 KiB) is dropped by its kernel and stalls the transfer
 * @param timeout the retransmission timeout before a transfer has measured its round-trip time, and
 *     the ceiling of the adaptive one ({@code 1s}, {@code 500ms}); a client's RFC 2349 timeout option
 *     replaces the ceiling. See docs/protocols/tftp.md, "Retransmission"
 * @param minTimeout the floor of the adaptive retransmission timeout (RTT estimate + 4 x its
 *     variance); a floor above the ceiling is the ceiling
 * @param retries the give-up: a transfer without progress for {@code (retries + 1)} x the ceiling is
 *     abandoned (as long as {@code retries} retransmissions at the ceiling would take)
 * @param maxTransfers concurrent transfers in all; more requests are refused with an error packet
 * @param maxTransfersPerSource concurrent transfers per client IP address, so one machine (or a
 *     flood from one address) cannot take every slot
 */
public record TftpSettings(String listen, Integer maxBlksize, Integer maxWindowsize, Integer maxWindowBytes, String timeout,
                           String minTimeout, Integer retries, Integer maxTransfers, Integer maxTransfersPerSource) {
    public TftpSettings {
        listen = listen == null ? "" : listen.strip();
        maxBlksize = maxBlksize == null ? 1468 : maxBlksize;
        maxWindowsize = maxWindowsize == null ? 64 : maxWindowsize;
        maxWindowBytes = maxWindowBytes == null ? 192 * 1024 : maxWindowBytes;
        timeout = timeout == null ? "1s" : timeout.strip();
        minTimeout = minTimeout == null ? "20ms" : minTimeout.strip();
        retries = retries == null ? 5 : retries;
        maxTransfers = maxTransfers == null ? 1000 : maxTransfers;
        maxTransfersPerSource = maxTransfersPerSource == null ? 16 : maxTransfersPerSource;
    }

    public static TftpSettings defaults() {
        return new TftpSettings(null, null, null, null, null, null, null, null, null);
    }

    /** Defaults, serving on {@code listen}. */
    public static TftpSettings listening(String listen) {
        return defaults().withListen(listen);
    }

    public TftpSettings withListen(String l) {
        return new TftpSettings(l, maxBlksize, maxWindowsize, maxWindowBytes, timeout, minTimeout, retries, maxTransfers, maxTransfersPerSource);
    }

    public TftpSettings withLimits(int perSource, int total) {
        return new TftpSettings(listen, maxBlksize, maxWindowsize, maxWindowBytes, timeout, minTimeout, retries, total, perSource);
    }

    public TftpSettings withTimeout(String t, int r) {
        return new TftpSettings(listen, maxBlksize, maxWindowsize, maxWindowBytes, t, minTimeout, r, maxTransfers, maxTransfersPerSource);
    }

    public TftpSettings withMinTimeout(String m) {
        return new TftpSettings(listen, maxBlksize, maxWindowsize, maxWindowBytes, timeout, m, retries, maxTransfers, maxTransfersPerSource);
    }

    public TftpSettings withMaxBlksize(int b) {
        return new TftpSettings(listen, b, maxWindowsize, maxWindowBytes, timeout, minTimeout, retries, maxTransfers, maxTransfersPerSource);
    }

    public boolean enabled() {
        return !listen.isEmpty();
    }

    /** The address to bind: an IP literal (never a DNS name) and a port (0: any free port). */
    public InetSocketAddress listenAddress() {
        int c = listen.lastIndexOf(':');
        if (c <= 0) throw new InvalidInputException("tftp.listen '" + listen + "' must be address:port, e.g. 0.0.0.0:69");
        String host = listen.substring(0, c), port = listen.substring(c + 1);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int p;
        try {
            p = Integer.parseInt(port);
            if (p < 0 || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new InvalidInputException("tftp.listen '" + listen + "': bad port '" + port + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(host), p);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("tftp.listen '" + listen + "': '" + host + "' is not an IP address");
        }
    }

    public Duration timeoutDuration() {
        Duration d = duration("tftp.timeout", timeout);
        if (d.toMillis() < 10 || d.toSeconds() > 255) throw new InvalidInputException("tftp.timeout must be 10ms..255s, not " + timeout);
        return d;
    }

    public Duration minTimeoutDuration() {
        Duration d = duration("tftp.min-timeout", minTimeout);
        if (d.toMillis() < 1 || d.toSeconds() > 255) throw new InvalidInputException("tftp.min-timeout must be 1ms..255s, not " + minTimeout);
        return d;
    }

    private static Duration duration(String key, String value) {
        try {
            return Durations.parse(value);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(key + ": " + e.getMessage());
        }
    }

    public OptionNegotiation.Limits limits() {
        return new OptionNegotiation.Limits(maxBlksize, maxWindowsize, maxWindowBytes);
    }

    /** Checks every setting, so a bad one stops the start-up with its name. */
    public TftpSettings validate() {
        if (enabled()) listenAddress();
        timeoutDuration();
        minTimeoutDuration();
        if (maxBlksize < 8 || maxBlksize > TftpPacket.MAX_BLOCK_SIZE) {
            throw new InvalidInputException("tftp.max-blksize must be 8.." + TftpPacket.MAX_BLOCK_SIZE + ", not " + maxBlksize);
        }
        if (maxWindowsize < 1 || maxWindowsize > 65535) throw new InvalidInputException("tftp.max-windowsize must be 1..65535, not " + maxWindowsize);
        if (maxWindowBytes < 512) throw new InvalidInputException("tftp.max-window-bytes must be at least 512, not " + maxWindowBytes);
        if (retries < 0 || retries > 100) throw new InvalidInputException("tftp.retries must be 0..100, not " + retries);
        if (maxTransfers < 1) throw new InvalidInputException("tftp.max-transfers must be at least 1, not " + maxTransfers);
        if (maxTransfersPerSource < 1 || maxTransfersPerSource > maxTransfers) {
            throw new InvalidInputException("tftp.max-transfers-per-source must be 1..max-transfers (" + maxTransfers + "), not " + maxTransfersPerSource);
        }
        return this;
    }
}
