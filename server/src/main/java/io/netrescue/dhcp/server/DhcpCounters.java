package io.netrescue.dhcp.server;

import java.util.concurrent.atomic.LongAdder;

/** What the DHCP server did with the datagrams it received; for logs, tests and a later metrics endpoint. */
public final class DhcpCounters {
    final LongAdder received = new LongAdder(), malformed = new LongAdder(), rateLimited = new LongAdder(),
            silent = new LongAdder(), replied = new LongAdder(), sendFailed = new LongAdder(), storeFailed = new LongAdder();

    public record Snapshot(long received, long malformed, long rateLimited, long silent, long replied, long sendFailed, long storeFailed) {}

    public Snapshot snapshot() {
        return new Snapshot(received.sum(), malformed.sum(), rateLimited.sum(), silent.sum(), replied.sum(), sendFailed.sum(), storeFailed.sum());
    }
}
