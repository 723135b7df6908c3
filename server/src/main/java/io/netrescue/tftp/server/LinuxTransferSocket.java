package io.netrescue.tftp.server;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;

/**
 * {@link TransferSocket} for IPv4 on Linux x86-64/arm64, through the FFM API: what a C server does.
 * A window is one {@code sendmmsg} (lock-step: one packet), a receive is one blocking
 * {@code recvfrom} with the kernel timeout {@code SO_RCVTIMEO} (no poll or selector, no wake-up of
 * another thread), the sender is compared as bytes with the client's address, and nothing is
 * allocated per packet: every buffer and structure is native memory made once per transfer.
 * The socket is not connected, so a stranger's datagram still reaches us and gets ERROR 5.
 */
final class LinuxTransferSocket extends AbstractTransferSocket {
    private static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    private static final int EINTR = 4, EAGAIN = 11;
    private static final int SOL_UDP = 17, UDP_SEGMENT = 103;
    /** UDP GSO: at most 64 segments and one IP datagram's worth of bytes per send. */
    private static final int GSO_MAX_SEGMENTS = 64, GSO_MAX_BYTES = 65_000;
    /** struct msghdr, and a cmsghdr carrying one uint16 (CMSG_SPACE(2)), on LP64 Linux. */
    private static final int MSGHDR = 56, CMSG = 24;
    private static final int SHUT_RDWR = 2;
    /** struct sockaddr_in, struct iovec, struct mmsghdr on LP64 Linux. */
    private static final int SOCKADDR = 16, IOVEC = 16, MMSGHDR = 64;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final AddressLayout A = ValueLayout.ADDRESS;
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(I, I, I, I), true);
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I), true);
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(I, I, A, I), true);
    private static final MethodHandle RECVFROM = fn("recvfrom", FunctionDescriptor.of(L, I, A, L, I, A, A), true);
    private static final MethodHandle SENDTO = fn("sendto", FunctionDescriptor.of(L, I, A, L, I, A, I), true);
    private static final MethodHandle SENDMMSG = fn("sendmmsg", FunctionDescriptor.of(I, I, A, I, I), true);
    private static final MethodHandle SENDMSG = fn("sendmsg", FunctionDescriptor.of(L, I, A, I), true);
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(I, I, I), false);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(I, I), false);

    private final Arena arena = Arena.ofConfined();
    private final int fd;
    private final InetSocketAddress client;
    private final int slotBytes;
    private final MemorySegment window, msgs, iovs, clientAddr, in, from, fromLen, state, tv, gsoMsg, gsoIov;
    /** Cleared for good when the kernel or the route refuses UDP segmentation offload. */
    private boolean gso = true;
    private final ByteBuffer[] slots;
    private long timeoutMicros = -1;
    private final Object lifecycle = new Object();
    private boolean closed;

    private static MethodHandle fn(String name, FunctionDescriptor d, boolean errno) {
        MemorySegment f = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return errno ? LINKER.downcallHandle(f, d, Linker.Option.captureCallState("errno")) : LINKER.downcallHandle(f, d);
    }

    static boolean supports(InetSocketAddress client) {
        return client.getAddress() instanceof Inet4Address && platform();
    }

    static boolean platform() {
        String arch = System.getProperty("os.arch", "");
        return System.getProperty("os.name", "").equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64"));
    }

    /**
     * Links the native functions now (this class's initialisation) rather than in the first
     * transfer: that took 160 ms, a delay a PXE ROM's first request would otherwise see.
     */
    static void link() {
        if (SOCKET == null) throw new AssertionError();
    }

    LinuxTransferSocket(InetAddress local, InetSocketAddress client, int slots, int slotBytes) throws IOException {
        if (!(local instanceof Inet4Address)) local = InetAddress.getByAddress(new byte[4]); // an IPv4 client of a dual-stack wildcard
        this.client = client;
        this.slotBytes = slotBytes;
        try {
            state = arena.allocate(STATE);
            tv = arena.allocate(16, 8);
            clientAddr = arena.allocate(SOCKADDR, 8);
            from = arena.allocate(SOCKADDR, 8);
            fromLen = arena.allocate(I);
            in = arena.allocate(RECEIVE_BYTES);
            window = arena.allocate((long) slots * slotBytes, 16);
            iovs = arena.allocate((long) slots * IOVEC, 8);
            msgs = arena.allocate((long) slots * MMSGHDR, 8);
            sockaddr(clientAddr, client.getAddress(), client.getPort());
            this.slots = new ByteBuffer[slots];
            for (int i = 0; i < slots; i++) {
                MemorySegment slot = window.asSlice((long) i * slotBytes, slotBytes);
                this.slots[i] = slot.asByteBuffer();
                iovs.set(A, (long) i * IOVEC, slot);
                MemorySegment m = msgs.asSlice((long) i * MMSGHDR, MMSGHDR);
                m.set(A, 0, clientAddr);                                  // msg_name
                m.set(I, 8, SOCKADDR);                                    // msg_namelen
                m.set(A, 16, iovs.asSlice((long) i * IOVEC, IOVEC));      // msg_iov
                m.set(L, 24, 1);                                          // msg_iovlen
            }
            received = in.asByteBuffer();
            // one msghdr for UDP GSO: the window's slots are contiguous, so a run of full slots is one
            // buffer the kernel cuts into datagrams of slotBytes (the last one may be shorter)
            gsoIov = arena.allocate(IOVEC, 8);
            MemorySegment cmsg = arena.allocate(CMSG, 8);
            cmsg.set(L, 0, 18);                                           // cmsg_len = CMSG_LEN(2)
            cmsg.set(I, 8, SOL_UDP);
            cmsg.set(I, 12, UDP_SEGMENT);
            cmsg.set(ValueLayout.JAVA_SHORT, 16, (short) slotBytes);      // gso_size, host order
            gsoMsg = arena.allocate(MSGHDR, 8);
            gsoMsg.set(A, 0, clientAddr);
            gsoMsg.set(I, 8, SOCKADDR);
            gsoMsg.set(A, 16, gsoIov);
            gsoMsg.set(L, 24, 1);
            gsoMsg.set(A, 32, cmsg);                                      // msg_control
            gsoMsg.set(L, 40, CMSG);                                      // msg_controllen
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        int f = -1;
        try {
            f = (int) SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (f < 0) throw error("socket");
            MemorySegment sa = arena.allocate(SOCKADDR, 8);
            sockaddr(sa, local, 0);
            if ((int) BIND.invokeExact(state, f, sa, SOCKADDR) < 0) throw error("bind to " + local.getHostAddress());
        } catch (Throwable t) {
            if (f >= 0) closeFd(f);
            arena.close();
            if (t instanceof IOException e) throw e;
            throw new IOException("socket: " + t, t);
        }
        this.fd = f;
    }

    @Override
    public ByteBuffer slot(int i) {
        return slots[i].clear();
    }

    @Override
    public void sendSlots(int count, int[] lengths) throws IOException {
        int done = 0;
        while (gso && count - done > 1) { // a window with UDP GSO: one pass through the stack per 64 KiB, not per packet
            int n = Math.min(Math.min(count - done, GSO_MAX_SEGMENTS), GSO_MAX_BYTES / slotBytes);
            int k = 0;
            long bytes = 0;
            while (k < n && (lengths[done + k] == slotBytes || k == n - 1)) bytes += lengths[done + k++];
            if (k < 2) break;
            if (!sendSegmented(done, bytes)) break;
            done += k;
        }
        if (done < count) sendEach(done, count, lengths);
    }

    /** Slots from {@code first} on, {@code bytes} in all, as one GSO send; false (and GSO off) when the kernel refuses. */
    private boolean sendSegmented(int first, long bytes) throws IOException {
        gsoIov.set(A, 0, window.asSlice((long) first * slotBytes, bytes));
        gsoIov.set(L, 8, bytes);
        while (true) {
            long n;
            try {
                n = (long) SENDMSG.invokeExact(state, fd, gsoMsg, 0);
            } catch (Throwable t) {
                throw new IOException("sendmsg: " + t, t);
            }
            if (n >= 0) return true;
            int e = errno();
            if (e == EINTR) continue;
            if (stopped) throw new ClosedChannelException();
            // an old kernel (< 4.18), a device without checksum offload (EIO), a segment over the
            // path MTU (EINVAL): nothing was sent, so the same packets go out one by one from now on
            gso = false;
            return false;
        }
    }

    private void sendEach(int done, int count, int[] lengths) throws IOException {
        for (int i = done; i < count; i++) iovs.set(L, (long) i * IOVEC + 8, lengths[i]);
        while (done < count) { // sendmmsg may stop early; a blocking socket waits for room, it never drops
            int n;
            MemorySegment rest = msgs.asSlice((long) done * MMSGHDR);
            try {
                n = (int) SENDMMSG.invokeExact(state, fd, rest, count - done, 0);
            } catch (Throwable t) {
                throw new IOException("sendmmsg: " + t, t);
            }
            if (n < 0) {
                if (errno() == EINTR) continue;
                throw stopped ? new ClosedChannelException() : error("sendmmsg to " + client);
            }
            done += n;
        }
    }

    @Override
    public void send(ByteBuffer d, InetSocketAddress to) throws IOException {
        if (!(to.getAddress() instanceof Inet4Address)) throw new IOException("not an IPv4 destination: " + to);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, d.remaining()));
            buf.asByteBuffer().put(d);
            MemorySegment sa = a.allocate(SOCKADDR, 8);
            sockaddr(sa, to.getAddress(), to.getPort());
            long n = (long) SENDTO.invokeExact(state, fd, buf, buf.byteSize(), 0, sa, SOCKADDR);
            if (n < 0) throw error("sendto " + to);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("sendto: " + t, t);
        }
    }

    @Override
    public int receive(long waitNanos) throws IOException {
        while (true) {
            if (stopped) throw new ClosedChannelException();
            if (waitNanos <= 0) return TIMEOUT;
            long us = Math.max(1, (waitNanos + 999) / 1000);
            // one setsockopt only when the wait changed by over a millisecond: in lock-step the wait
            // after each send is the same timeout, so the steady state is one recvfrom per ACK
            if (Math.abs(us - timeoutMicros) > 1000) setTimeout(us);
            fromLen.set(I, 0, SOCKADDR);
            long n;
            try {
                n = (long) RECVFROM.invokeExact(state, fd, in, (long) RECEIVE_BYTES, 0, from, fromLen);
            } catch (Throwable t) {
                throw new IOException("recvfrom: " + t, t);
            }
            if (stopped) throw new ClosedChannelException();
            if (n < 0) {
                int e = errno();
                if (e == EINTR) continue;
                if (e == EAGAIN) return TIMEOUT;
                throw error("recvfrom");
            }
            if (MemorySegment.mismatch(from, 0, 8, clientAddr, 0, 8) != -1) { // family, port, address
                stranger = address(from);
                return STRANGER;
            }
            received.clear().limit((int) n);
            return (int) n;
        }
    }

    private void setTimeout(long us) throws IOException {
        tv.set(L, 0, us / 1_000_000);
        tv.set(L, 8, us % 1_000_000);
        int r;
        try {
            r = (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        } catch (Throwable t) {
            throw new IOException("setsockopt: " + t, t);
        }
        if (r < 0) throw error("setsockopt(SO_RCVTIMEO)");
        timeoutMicros = us;
    }

    @Override
    public void stop() {
        synchronized (lifecycle) {
            stopped = true;
            if (closed) return;
            try {
                int unused = (int) SHUTDOWN.invokeExact(fd, SHUT_RDWR); // a blocked recvfrom returns at once
            } catch (Throwable ignored) {
                // the receive timeout ends the transfer anyway
            }
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) return;
            closed = true;
            closeFd(fd);
        }
        arena.close();
    }

    private static void closeFd(int f) {
        try {
            int unused = (int) CLOSE.invokeExact(f);
        } catch (Throwable ignored) {
            // nothing else to release
        }
    }

    private int errno() {
        return (int) ERRNO.get(state, 0L);
    }

    private IOException error(String what) {
        return new IOException(what + " failed, errno " + errno());
    }

    private static void sockaddr(MemorySegment sa, InetAddress a, int port) {
        sa.fill((byte) 0);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET); // host order
        sa.set(NET_SHORT, 2, (short) port);
        MemorySegment.copy(a.getAddress(), 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
    }

    private static InetSocketAddress address(MemorySegment sa) {
        byte[] ip = new byte[4];
        MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, 4, ip, 0, 4);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), Short.toUnsignedInt(sa.get(NET_SHORT, 2)));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
