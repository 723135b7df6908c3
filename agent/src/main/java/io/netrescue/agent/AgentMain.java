package io.netrescue.agent;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;

/**
 * {@code netrescue-agent run [--config FILE]}: the process on each managed host. Everything that can
 * fail is done at start (config, trigger file, socket, memory lock), so that nothing needs to be
 * allocated or opened when a request arrives on a sick host.
 */
public final class AgentMain {
    private static final System.Logger log = System.getLogger("netrescue.agent");

    /** What {@code --help} (or {@code help}) prints: the commands; each has its own help. */
    public static final String USAGE = """
            usage: netrescue-agent COMMAND [OPTIONS]      (on the server: netrescue agent COMMAND)
              run               run the agent: answer the server's SysRq requests, send heartbeats, kexec on request
              setup             prepare this host to be recoverable (panic reboot, SysRq, the agent's unit, ...)
              help [COMMAND]    this help, or a command's (also COMMAND --help or -h)
            """;

    /** What {@code run --help} prints. */
    public static final String RUN_USAGE = """
            usage: netrescue-agent run [--config FILE]
            Runs the agent on this host until it is stopped (systemd: netrescue-agent.service): answers the server's
            authenticated network SysRq requests, sends signed heartbeats when the configuration names the server's
            heartbeat port, kexecs into a test kernel on request when it allows kexec, and runs the server's jobs
            when it names a jobs-url.
              --config FILE   the agent's configuration (default /etc/netrescue/agent.conf, 0600): what
                              `netrescue host agent-config HOST` prints on the server
              -h, --help      print this help and exit
            """;

    private AgentMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        switch (args[0]) {
            case "--help", "-h" -> {
                out.print(USAGE);
                return 0;
            }
            case "help" -> {
                String usage = args.length == 1 ? USAGE : usage(args[1]);
                if (usage == null) return unknownCommand(args[1], err);
                out.print(usage);
                return 0;
            }
            case "setup" -> {
                return io.netrescue.agent.setup.AgentSetup.run(java.util.List.of(args).subList(1, args.length), out, err);
            }
            case "run" -> {
                return runAgent(args, out, err);
            }
            default -> {
                return unknownCommand(args[0], err);
            }
        }
    }

    private static String usage(String command) {
        return switch (command) {
            case "run" -> RUN_USAGE;
            case "setup" -> io.netrescue.agent.setup.AgentSetup.USAGE;
            default -> null;
        };
    }

    private static int unknownCommand(String command, PrintStream err) {
        err.println("netrescue-agent: unknown command '" + command + "' (try: run, setup, --help)");
        return 2;
    }

    private static int runAgent(String[] args, PrintStream out, PrintStream err) {
        Path config = Path.of("/etc/netrescue/agent.conf");
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    out.print(RUN_USAGE);
                    return 0;
                }
                case "--config" -> {
                    if (i + 1 == args.length) {
                        err.println("netrescue-agent run: --config needs a FILE");
                        return 2;
                    }
                    config = Path.of(args[++i]);
                }
                default -> {
                    err.println("netrescue-agent run: unknown option '" + args[i] + "' (try: run --help)");
                    return 2;
                }
            }
        }
        try (Agent a = Agent.start(AgentConfig.load(config))) {
            a.awaitStop();
            return 0;
        } catch (InvalidInputException e) {
            err.println("netrescue-agent: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("netrescue-agent: cannot start: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** A running agent; tests start it in-process with a fake trigger file. */
    public static final class Agent implements AutoCloseable {
        private final DatagramChannel channel;
        private final SysrqTrigger trigger;
        final SysrqReceiver receiver;
        private final Thread thread;
        private final HeartbeatSender heartbeats;
        private final io.netrescue.agent.job.JobLoop jobs;
        private final io.netrescue.agent.deadman.DeadMan deadMan;

        private Agent(DatagramChannel channel, SysrqTrigger trigger, SysrqReceiver receiver, HeartbeatSender heartbeats,
                      io.netrescue.agent.job.JobLoop jobs, io.netrescue.agent.deadman.DeadMan deadMan) {
            this.deadMan = deadMan;
            this.channel = channel;
            this.trigger = trigger;
            this.receiver = receiver;
            this.heartbeats = heartbeats;
            this.jobs = jobs;
            // A platform thread: the loop blocks in receive() all its life and must not depend on a carrier.
            this.thread = Thread.ofPlatform().name("sysrq-receiver").daemon(false).start(receiver);
            if (heartbeats != null) Thread.ofPlatform().name("heartbeat").daemon(true).start(heartbeats);
            if (jobs != null) jobs.start();
            if (deadMan != null) deadMan.start();
        }

        public static Agent start(AgentConfig c) throws IOException {
            return start(c, Path.of("/proc"));
        }

        /** @param proc where boot_id, osrelease, uptime and loadavg are read ({@code /proc}; a directory in tests) */
        public static Agent start(AgentConfig c, Path proc) throws IOException {
            String lock = MemoryLock.lockAll();
            if (lock == null) log.log(System.Logger.Level.INFO, "memory locked (mlockall)");
            else log.log(System.Logger.Level.WARNING, lock + "; continuing without a memory lock");
            warmUp(c);
            SysrqTrigger trigger = new SysrqTrigger(c.trigger());
            DatagramChannel ch = DatagramChannel.open(c.listen().getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                ch.bind(c.listen());
            } catch (IOException e) {
                trigger.close();
                ch.close();
                throw new IOException("cannot listen on " + c.listen() + ": " + e.getMessage(), e);
            }
            log.log(System.Logger.Level.INFO, "netrescue agent for host " + c.host() + " listening on " + ch.getLocalAddress()
                    + ", trigger " + c.trigger() + ", allowed keys " + c.allowedKeys());
            HeartbeatSender hb = null;
            if (c.heartbeatTo().isPresent()) {
                try {
                    hb = new HeartbeatSender(c, proc);
                } catch (IOException | RuntimeException e) {
                    trigger.close();
                    ch.close();
                    throw new IOException("cannot send heartbeats: " + e.getMessage(), e);
                }
                log.log(System.Logger.Level.INFO, "heartbeats to " + c.heartbeatTo().get() + " every " + c.heartbeatSeconds() + " s");
            }
            io.netrescue.agent.job.JobLoop jobs = null;
            if (c.jobs().isPresent()) {
                var j = c.jobs().get();
                var client = j.token().map(t -> new io.netrescue.agent.job.JobClient(j.url(), t))
                        .orElseGet(() -> io.netrescue.agent.job.JobClient.installed(j.url(), c.host(), c.key()));
                // beside the SysRq sequence state: survives an agent restart (and, on an installed system, a reboot)
                var runner = new io.netrescue.agent.job.JobRunner(client, c.state().resolveSibling("jobs.started"));
                runner.reapOrphans(); // what a SIGKILLed agent left running
                jobs = new io.netrescue.agent.job.JobLoop(client, runner,
                        j.installed() ? java.util.Optional.of(j.allowed()) : java.util.Optional.empty());
                log.log(System.Logger.Level.INFO, "jobs from " + j.url() + (j.installed() ? " on this installed system, allowed-jobs: " + j.allowed() : ""));
            }
            io.netrescue.agent.deadman.DeadMan deadMan = null;
            if (c.deadMan().isPresent()) {
                try {
                    var journal = io.netrescue.agent.deadman.DeadManJournal.open(c.deadMan().get().journal());
                    java.util.UUID boot = hb != null ? hb.bootId()
                            : java.util.UUID.fromString(java.nio.file.Files.readString(proc.resolve("sys/kernel/random/boot_id")).strip());
                    deadMan = new io.netrescue.agent.deadman.DeadMan(c.deadMan().get(), journal, c.host(), c.key(), boot,
                            hb == null ? null : hb.channel(), c.heartbeatTo().orElse(null), hb == null ? null : hb.recent(), c.heartbeatSeconds() * 1000L, proc, trigger::press);
                } catch (IOException | RuntimeException e) {
                    if (hb != null) hb.stop();
                    trigger.close();
                    ch.close();
                    throw new IOException("cannot arm the dead-man switch: " + e.getMessage(), e);
                }
            }
            return new Agent(ch, trigger, new SysrqReceiver(c, ch, trigger, System::currentTimeMillis), hb, jobs, deadMan);
        }

        /**
         * Loads now what the first request would otherwise load on a sick host: the HMAC and codec
         * classes (a dummy round trip with this host's key) and the virtual-thread carrier that
         * persists the sequence number. Measured in QEMU: the first answer went from 0.9 s to the
         * 60-100 ms of later ones.
         */
        private static void warmUp(AgentConfig c) {
            var ack = new io.netrescue.sysrq.SysrqMessage.Ack(c.host(), 0, 0, 0, io.netrescue.sysrq.SysrqMessage.Status.EXECUTED, 0, "warm-up");
            byte[] b = io.netrescue.sysrq.SysrqCodec.encode(ack, c.key());
            try {
                io.netrescue.sysrq.SysrqCodec.decode(java.nio.ByteBuffer.wrap(b), h -> java.util.Optional.of(c.key()));
                Thread.ofVirtual().start(() -> { }).join();
            } catch (io.netrescue.sysrq.MalformedPacketException | InterruptedException e) {
                throw new IllegalStateException("agent self-check failed: " + e.getMessage(), e);
            }
        }

        public int port() throws IOException {
            return ((java.net.InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        public long count(String counter) {
            return receiver.count(SysrqReceiver.Counter.valueOf(counter));
        }

        void awaitStop() throws InterruptedException {
            thread.join();
        }

        @Override
        public void close() throws IOException {
            if (deadMan != null) deadMan.close();
            if (heartbeats != null) heartbeats.stop();
            if (jobs != null) jobs.stop();
            channel.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            trigger.close();
        }
    }
}
