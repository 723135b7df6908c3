package io.netrescue.bench;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ProxyDHCP load generator: PXE DISCOVERs (what a BIOS PXE ROM sends: options 53, 57, 93, 94, 60, 97)
 * from {@code macs} different MACs, broadcast to port 67, with at most {@code window} unanswered at
 * once (closed loop); OFFERs are received on port 68 and matched by xid. Prints offers/s and latency
 * percentiles over the measured period (after the warm-up). An answer that has not come after
 * 200 ms counts as lost and frees its slot.
 *   java io.netrescue.bench.DhcpLoad TARGET_IP SECONDS WARMUP_SECONDS MACS WINDOW
 */
public final class DhcpLoad {
    public static void main(String[] a) throws Exception {
        String target = a[0];
        int seconds = Integer.parseInt(a[1]), warmup = Integer.parseInt(a[2]), macs = Integer.parseInt(a[3]), window = Integer.parseInt(a[4]);
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        ch.setOption(StandardSocketOptions.SO_BROADCAST, true);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.bind(new InetSocketAddress("0.0.0.0", 68));
        InetSocketAddress to = new InetSocketAddress(target, 67);
        final int mask = (1 << 20) - 1;
        long[] sentAt = new long[mask + 1];
        AtomicLong done = new AtomicLong(); // answered or given up
        AtomicLong answered = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmup * 1_000_000_000L, end = measureFrom + seconds * 1_000_000_000L;
        long[] lat = new long[8 << 20];
        AtomicLong nLat = new AtomicLong(), measuredAnswers = new AtomicLong();
        Thread rx = Thread.ofPlatform().daemon().start(() -> {
            ByteBuffer b = ByteBuffer.allocate(2048);
            try {
                while (true) {
                    b.clear();
                    ch.receive(b);
                    long now = System.nanoTime();
                    if (b.position() < 240 || b.get(0) != 2) continue;
                    int xid = b.getInt(4);
                    long t = sentAt[xid & mask];
                    if (t == 0) continue; // late or duplicate
                    sentAt[xid & mask] = 0;
                    answered.incrementAndGet();
                    done.incrementAndGet();
                    if (t >= measureFrom && now <= end) {
                        measuredAnswers.incrementAndGet();
                        long i = nLat.getAndIncrement();
                        if (i < lat.length) lat[(int) i] = now - t;
                    }
                }
            } catch (Exception e) {
                // channel closed at the end
            }
        });
        ByteBuffer pkt = ByteBuffer.wrap(discover());
        long seq = 0, lost = 0, lastProgress = System.nanoTime(), lastDone = 0;
        while (System.nanoTime() < end) {
            long d = done.get();
            if (d != lastDone) {
                lastDone = d;
                lastProgress = System.nanoTime();
            }
            if (seq - d >= window) {
                if (System.nanoTime() - lastProgress > 200_000_000L) { // give up on what is outstanding
                    for (long s = d; s < seq; s++) sentAt[(int) (s & mask)] = 0;
                    lost += seq - d;
                    done.set(seq);
                } else {
                    Thread.onSpinWait();
                }
                continue;
            }
            int xid = (int) seq;
            long mac = 0x020000000000L | (seq % macs);
            pkt.putInt(4, xid);
            for (int i = 0; i < 6; i++) pkt.put(28 + i, (byte) (mac >>> (40 - 8 * i)));
            sentAt[xid & mask] = System.nanoTime();
            pkt.rewind();
            ch.send(pkt, to);
            seq++;
        }
        Thread.sleep(300);
        ch.close();
        int n = (int) Math.min(nLat.get(), lat.length);
        long[] l = Arrays.copyOf(lat, n);
        Arrays.sort(l);
        double rate = measuredAnswers.get() / (double) seconds;
        System.out.printf("offers_per_s=%.0f answered=%d sent=%d lost=%d p50_us=%d p99_us=%d max_us=%d%n", rate, answered.get(), seq, lost,
                n == 0 ? -1 : l[n / 2] / 1000, n == 0 ? -1 : l[(int) (n * 0.99)] / 1000, n == 0 ? -1 : l[n - 1] / 1000);
    }

    /** A BIOS PXE ROM's DISCOVER (broadcast flag set). */
    static byte[] discover() {
        ByteBuffer b = ByteBuffer.allocate(320);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(0).putShort((short) 0).putShort((short) 0x8000);
        b.position(236);
        b.putInt(0x63825363);
        b.put(new byte[] {53, 1, 1, 57, 2, 0x05, (byte) 0xc0, 93, 2, 0, 0, 94, 3, 1, 2, 1});
        byte[] vc = "PXEClient:Arch:00000:UNDI:002001".getBytes();
        b.put((byte) 60).put((byte) vc.length).put(vc);
        b.put((byte) 97).put((byte) 17).put((byte) 0);
        for (int i = 0; i < 16; i++) b.put((byte) (0x11 * i));
        b.put((byte) 255);
        return b.array();
    }
}
