package io.netrescue.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.SysrqMessage;
import io.netrescue.sysrq.SysrqMessage.Ack;
import io.netrescue.sysrq.SysrqMessage.Request;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent on loopback with a plain file standing in for /proc/sysrq-trigger: every attack
 * in the threat model is refused and counted, and the trigger sees exactly the authorised keys.
 */
class AgentLoopbackTest {
    static final byte[] KEY = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    @TempDir Path dir;
    AgentMain.Agent agent;
    DatagramChannel client;
    Path trigger;

    @BeforeEach
    void start() throws Exception {
        trigger = dir.resolve("sysrq-trigger");
        Files.createFile(trigger);
        Properties p = new Properties();
        p.setProperty("host", "web1");
        p.setProperty("key", HexFormat.of().formatHex(KEY));
        p.setProperty("listen", "127.0.0.1:0");
        p.setProperty("allowed-keys", "sub");
        p.setProperty("window-seconds", "30");
        p.setProperty("trigger", trigger.toString());
        p.setProperty("state", dir.resolve("state/seq").toString());
        agent = AgentMain.Agent.start(AgentConfig.of(p, "test"));
        client = DatagramChannel.open();
        client.bind(new InetSocketAddress("127.0.0.1", 0));
        client.socket().setSoTimeout(500);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        agent.close();
    }

    Request req(long seq, String keys) {
        return new Request("web1", ThreadLocalRandom.current().nextLong(), seq, System.currentTimeMillis(), 10, new SysrqKeys(keys));
    }

    void send(byte[] b) throws Exception {
        client.send(ByteBuffer.wrap(b), new InetSocketAddress("127.0.0.1", agent.port()));
    }

    Optional<Ack> reply() throws Exception {
        ByteBuffer in = ByteBuffer.allocate(600);
        client.configureBlocking(true);
        var s = client.socket();
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[600], 600);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
        in.put(p.getData(), 0, p.getLength()).flip();
        SysrqMessage m = SysrqCodec.decode(in, h -> Optional.of(KEY));
        return Optional.of((Ack) m);
    }

    String pressed() throws Exception {
        return Files.readString(trigger);
    }

    void awaitCount(String counter, long n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (agent.count(counter) < n && System.nanoTime() < end) Thread.sleep(10);
        assertThat(agent.count(counter)).as(counter).isEqualTo(n);
    }

    @Test
    void authenticRequestRunsOnceInOrderAndIsAcknowledged() throws Exception {
        Request r = req(100, "su");
        byte[] packet = SysrqCodec.encode(r, KEY);
        send(packet);
        Ack a = reply().orElseThrow();
        assertThat(a.status()).isEqualTo(SysrqMessage.Status.EXECUTED);
        assertThat(a.requestId()).isEqualTo(r.requestId());
        assertThat(a.executed()).isEqualTo(2);
        assertThat(pressed()).isEqualTo("su");
        // the same packet again (a retransmission): acknowledged, not run again
        send(packet);
        assertThat(reply().orElseThrow().status()).isEqualTo(SysrqMessage.Status.DUPLICATE);
        send(packet);
        assertThat(reply().orElseThrow().status()).isEqualTo(SysrqMessage.Status.DUPLICATE);
        assertThat(pressed()).isEqualTo("su");
        awaitCount("DUPLICATE", 2);
        assertThat(Files.readString(dir.resolve("state/seq")).strip()).isEqualTo("100");
    }

    @Test
    void terminalKeyRunsAfterTheAck() throws Exception {
        send(SysrqCodec.encode(req(5, "sub"), KEY));
        Ack a = reply().orElseThrow();
        assertThat(a.executed()).isEqualTo(3);
        long end = System.nanoTime() + 2_000_000_000L;
        while (!pressed().equals("sub") && System.nanoTime() < end) Thread.sleep(10);
        assertThat(pressed()).isEqualTo("sub");
    }

    @Test
    void attacksAreRefusedAndCounted() throws Exception {
        send(SysrqCodec.encode(req(10, "s"), KEY));
        assertThat(reply()).isPresent();

        // replayed: a new request id but an old sequence number (a captured packet re-signed is impossible; this is a stale sender)
        send(SysrqCodec.encode(req(10, "s"), KEY));
        assertThat(reply().orElseThrow().detail()).startsWith("replayed");
        // reordered: an older request arriving after a newer one
        send(SysrqCodec.encode(req(9, "s"), KEY));
        assertThat(reply().orElseThrow().status()).isEqualTo(SysrqMessage.Status.REFUSED);
        // stale: captured long ago
        Request old = new Request("web1", 1, 11, System.currentTimeMillis() - 120_000, 0, new SysrqKeys("s"));
        send(SysrqCodec.encode(old, KEY));
        assertThat(reply().orElseThrow().detail()).startsWith("stale");
        // tampered: one bit flipped in the keys
        byte[] t = SysrqCodec.encode(req(12, "s"), KEY);
        t[t.length - 33] ^= 0x01;
        send(t);
        assertThat(reply()).as("no answer to an unauthentic packet").isEmpty();
        // wrong key (another host's, or a guess)
        byte[] other = KEY.clone();
        other[0] ^= 1;
        send(SysrqCodec.encode(req(13, "b"), other));
        assertThat(reply()).isEmpty();
        // another host's name with our key
        send(SysrqCodec.encode(new Request("web2", 3, 14, System.currentTimeMillis(), 0, new SysrqKeys("b")), KEY));
        assertThat(reply()).isEmpty();
        // oversized and garbage
        send(new byte[1400]);
        send("hello".getBytes());
        assertThat(reply()).isEmpty();
        // unauthorised key: authentic, but 'c' (crash) is not in this host's allow-list
        send(SysrqCodec.encode(req(15, "c"), KEY));
        assertThat(reply().orElseThrow().detail()).contains("not allowed");

        assertThat(pressed()).isEqualTo("s");
        awaitCount("REPLAYED", 2);
        awaitCount("STALE", 1);
        awaitCount("BAD_MAC", 3);
        awaitCount("OVERSIZED", 1);
        awaitCount("MALFORMED", 1);
        awaitCount("NOT_ALLOWED", 1);
        awaitCount("EXECUTED", 1);
    }

    @Test
    void highWaterSurvivesARestart() throws Exception {
        send(SysrqCodec.encode(req(500, "s"), KEY));
        assertThat(reply()).isPresent();
        long end = System.nanoTime() + 2_000_000_000L;
        while (!Files.exists(dir.resolve("state/seq")) && System.nanoTime() < end) Thread.sleep(10);
        agent.close();
        Properties p = new Properties();
        p.setProperty("host", "web1");
        p.setProperty("key", HexFormat.of().formatHex(KEY));
        p.setProperty("listen", "127.0.0.1:0");
        p.setProperty("trigger", trigger.toString());
        p.setProperty("state", dir.resolve("state/seq").toString());
        agent = AgentMain.Agent.start(AgentConfig.of(p, "test"));
        send(SysrqCodec.encode(req(500, "s"), KEY));
        assertThat(reply().orElseThrow().detail()).startsWith("replayed");
    }
}
