package io.netrescue.sysrq.client;

import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.XtSysrq;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Sends one xt_SYSRQ request as {@link #COPIES} identical datagrams {@link #INTERVAL} apart. The module
 * never answers, so loss can only be covered by repetition; the kernel runs the first copy that arrives
 * and ignores the others (their sequence number is no longer above the last accepted one), so nothing
 * runs twice.
 */
public final class XtSender {
    public static final int COPIES = 3;
    public static final Duration INTERVAL = Duration.ofMillis(100);

    private final SecureRandom random = new SecureRandom();

    /**
     * @param hashAddress the destination as the host's kernel sees it (hashed into the digest)
     * @param password the module's password; the caller clears it
     */
    public void send(InetSocketAddress to, SysrqKeys keys, long seq, InetAddress hashAddress, byte[] password, XtSysrq.Hash hash)
            throws IOException {
        byte[] salt = new byte[8];
        random.nextBytes(salt);
        byte[] packet = XtSysrq.request(keys, seq, HexFormat.of().formatHex(salt), hashAddress, password, hash);
        try (DatagramChannel ch = DatagramChannel.open()) {
            for (int i = 0; i < COPIES; i++) {
                if (i > 0) sleep(INTERVAL);
                ch.send(ByteBuffer.wrap(packet), to);
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
