package io.netrescue.dhcp.server;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A UDP socket bound to one network interface with {@code SO_BINDTODEVICE}, through the FFM API
 * (the JDK has no such option). Bound to 0.0.0.0:port on that device it receives the broadcasts
 * DHCP clients send, and only those on that interface, which a socket bound to the interface's
 * unicast address would not; replies to 255.255.255.255 leave through that interface. Linux
 * x86-64/arm64 only (struct layouts and constants are Linux's); needs CAP_NET_RAW for the bind
 * to device. Receives time out every 500 ms so close() never waits on a silent network.
 */
final class LinuxUdpSocket implements UdpEndpoint {
    private static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_BROADCAST = 6, SO_RCVBUF = 8, SO_RCVTIMEO = 20, SO_BINDTODEVICE = 25;
    private static final int EINTR = 4, EAGAIN = 11;
    private static final int SHUT_RDWR = 2;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle GETSOCKNAME = fn("getsockname", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle RECVFROM = fn("recvfrom", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SENDTO = fn("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final int fd;
    private final int port;
    private volatile boolean closed;
    /** Per-thread native buffers: the receive loop and senders never share one. */
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final Arena arena = Arena.ofAuto();
        final MemorySegment buf = arena.allocate(65_536);
        final MemorySegment addr = arena.allocate(16);
        final MemorySegment addrLen = arena.allocate(ValueLayout.JAVA_INT);
        final MemorySegment state = arena.allocate(STATE);
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        SymbolLookup libc = LINKER.defaultLookup();
        return LINKER.downcallHandle(libc.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), d,
                Linker.Option.captureCallState("errno"));
    }

    static boolean supported() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        return os.equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64"));
    }

    LinuxUdpSocket(String device, InetAddress bind, int port) throws IOException {
        if (!supported()) throw new IOException("binding to an interface needs Linux on x86-64 or arm64");
        Scratch s = scratch.get();
        int f = (int) call(SOCKET, s, "socket", AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            setInt(f, SO_REUSEADDR, 1, a, s);
            setInt(f, SO_BROADCAST, 1, a, s);
            setInt(f, SO_RCVBUF, 4 << 20, a, s);
            MemorySegment tv = a.allocate(16);
            tv.set(ValueLayout.JAVA_LONG, 0, 0);
            tv.set(ValueLayout.JAVA_LONG, 8, 500_000);
            check(SETSOCKOPT, s, "setsockopt(SO_RCVTIMEO)", f, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            byte[] name = device.getBytes(StandardCharsets.US_ASCII);
            MemorySegment dev = a.allocate(name.length + 1);
            MemorySegment.copy(name, 0, dev, ValueLayout.JAVA_BYTE, 0, name.length);
            check(SETSOCKOPT, s, "setsockopt(SO_BINDTODEVICE, " + device + ") (needs root or CAP_NET_RAW)", f, SOL_SOCKET, SO_BINDTODEVICE, dev, name.length + 1);
            MemorySegment sa = a.allocate(16);
            sockaddr(sa, bind, port);
            check(BIND, s, "bind to " + bind.getHostAddress() + ":" + port + " on " + device, f, sa, 16);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 16);
            check(GETSOCKNAME, s, "getsockname", f, sa, len);
            this.port = Short.toUnsignedInt(sa.get(NET_SHORT, 2));
        } catch (IOException | RuntimeException e) {
            closeFd(f);
            throw e;
        }
        this.fd = f;
    }

    @Override
    public Received receive(byte[] out) throws IOException {
        Scratch s = scratch.get();
        while (!closed) {
            s.addrLen.set(ValueLayout.JAVA_INT, 0, 16);
            long n;
            try {
                n = (long) RECVFROM.invokeExact(s.state, fd, s.buf, (long) Math.min(out.length, s.buf.byteSize()), 0, s.addr, s.addrLen);
            } catch (Throwable t) {
                throw new IOException("recvfrom: " + t, t);
            }
            if (n < 0) {
                int e = (int) ERRNO.get(s.state, 0L);
                if (e == EAGAIN || e == EINTR) return null;
                if (closed) return null;
                throw new IOException("recvfrom failed, errno " + e);
            }
            if (closed) return null;
            MemorySegment.copy(s.buf, ValueLayout.JAVA_BYTE, 0, out, 0, (int) n);
            byte[] ip = new byte[4];
            MemorySegment.copy(s.addr, ValueLayout.JAVA_BYTE, 4, ip, 0, 4);
            int p = Short.toUnsignedInt(s.addr.get(NET_SHORT, 2));
            try {
                return new Received((int) n, new InetSocketAddress(InetAddress.getByAddress(ip), p));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        return null;
    }

    @Override
    public void send(byte[] data, InetSocketAddress to) throws IOException {
        if (!(to.getAddress() instanceof Inet4Address)) throw new IOException("not an IPv4 destination: " + to);
        Scratch s = scratch.get();
        MemorySegment.copy(data, 0, s.buf, ValueLayout.JAVA_BYTE, 0, data.length);
        sockaddr(s.addr, to.getAddress(), to.getPort());
        long n;
        try {
            n = (long) SENDTO.invokeExact(s.state, fd, s.buf, (long) data.length, 0, s.addr, 16);
        } catch (Throwable t) {
            throw new IOException("sendto: " + t, t);
        }
        if (n < 0) throw new IOException("sendto " + to + " failed, errno " + (int) ERRNO.get(s.state, 0L));
    }

    @Override
    public int localPort() {
        return port;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Scratch s = scratch.get();
        try {
            int unused = (int) SHUTDOWN.invokeExact(s.state, fd, SHUT_RDWR); // wakes a blocked recvfrom
        } catch (Throwable ignored) {
            // the receive timeout ends the loop anyway
        }
        closeFd(fd);
    }

    private void closeFd(int f) {
        try {
            int unused = (int) CLOSE.invokeExact(scratch.get().state, f);
        } catch (Throwable ignored) {
            // nothing else to release
        }
    }

    private static void sockaddr(MemorySegment sa, InetAddress a, int port) {
        sa.fill((byte) 0);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET); // host order
        sa.set(NET_SHORT, 2, (short) port);
        MemorySegment.copy(a.getAddress(), 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
    }

    private static void setInt(int fd, int opt, int v, Arena a, Scratch s) throws IOException {
        MemorySegment i = a.allocate(ValueLayout.JAVA_INT);
        i.set(ValueLayout.JAVA_INT, 0, v);
        check(SETSOCKOPT, s, "setsockopt(" + opt + ")", fd, SOL_SOCKET, opt, i, 4);
    }

    private static long call(MethodHandle h, Scratch s, String what, int a, int b, int c) throws IOException {
        int r;
        try {
            r = (int) h.invokeExact(s.state, a, b, c);
        } catch (Throwable t) {
            throw new IOException(what + ": " + t, t);
        }
        if (r < 0) throw new IOException(what + " failed, errno " + (int) ERRNO.get(s.state, 0L));
        return r;
    }

    private static void check(MethodHandle h, Scratch s, String what, Object... args) throws IOException {
        Object[] all = new Object[args.length + 1];
        all[0] = s.state;
        System.arraycopy(args, 0, all, 1, args.length);
        int r;
        try {
            r = (int) h.invokeWithArguments(all);
        } catch (Throwable t) {
            throw new IOException(what + ": " + t, t);
        }
        if (r < 0) throw new IOException(what + " failed, errno " + (int) ERRNO.get(s.state, 0L));
    }
}
