package io.netrescue.bench;

import io.netrescue.sysrq.HostKeys;
import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.ReplayGuard;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.SysrqMessage;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The agent's receive path for one datagram: decode, verify the HMAC, check the replay window.
 * One thread: the agent receives on one thread, so this is requests verified per second per core.
 * {@code forged} measures what an attacker's flood costs the agent (rejected at the MAC).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class SysrqReceiveBenchmark {
    byte[] key;
    byte[] valid;
    byte[] forged;
    ReplayGuard guard;
    long now;

    @Setup
    public void setup() {
        key = HostKeys.derive(new byte[32], "web1");
        now = System.currentTimeMillis();
        valid = SysrqCodec.encode(new SysrqMessage.Request("web1", 42, 1_000_000, now, 500, new SysrqKeys("sub")), key);
        forged = valid.clone();
        forged[forged.length - 1] ^= 1;
        guard = new ReplayGuard(30_000, 4096, 0);
    }

    @Benchmark
    public Object valid() throws MalformedPacketException {
        SysrqMessage m = SysrqCodec.decode(ByteBuffer.wrap(valid), h -> Optional.of(key));
        return guard.check((SysrqMessage.Request) m, now);
    }

    @Benchmark
    public Object forged() {
        try {
            return SysrqCodec.decode(ByteBuffer.wrap(forged), h -> Optional.of(key));
        } catch (MalformedPacketException e) {
            return e;
        }
    }
}
