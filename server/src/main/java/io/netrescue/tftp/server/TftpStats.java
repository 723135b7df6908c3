package io.netrescue.tftp.server;

/**
 * The TFTP server's counters since start. Every started transfer ends as exactly one of completed,
 * failed, aborted or notFound, so {@code started = completed + failed + aborted + notFound + active}.
 *
 * @param started read requests admitted (a transfer port was opened for them)
 * @param completed transfers whose last block the client acknowledged
 * @param failed transfers that timed out, or whose file could not be read or was refused
 * @param aborted transfers the client ended with an ERROR packet (PXE ROMs do this after reading {@code tsize})
 * @param notFound requests for files no source has
 * @param refused requests answered with an error at once: write requests, bad paths, mail mode, the limits
 * @param malformed datagrams that were not well-formed TFTP, or not what the port expects
 * @param unknownTid datagrams from another address or port on a transfer's port (answered with error 5)
 * @param active transfers in progress now
 * @param bytesSent file bytes sent in DATA packets, resends included
 */
public record TftpStats(long started, long completed, long failed, long aborted, long notFound, long refused,
                        long malformed, long unknownTid, int active, long bytesSent) {}
