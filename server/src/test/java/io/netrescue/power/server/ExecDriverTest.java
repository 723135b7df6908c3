package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ExecDriver running real /bin/sh scripts written into a temporary directory. */
class ExecDriverTest {
    @TempDir
    Path dir;
    private final List<Long> pidsToKill = new java.util.ArrayList<>();

    @AfterEach
    void killLeftovers() {
        pidsToKill.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static ExecDriver driver(Path command, Map<String, String> extra, Optional<String> secret, Duration timeout) {
        Map<String, String> m = new HashMap<>(Map.of("command", command.toString()));
        m.putAll(extra);
        return ExecDriver.from(new PowerSettings("node1", "exec", m, secret, timeout));
    }

    @Test
    void argumentsEnvironmentStatusAndActions() throws Exception {
        Path calls = dir.resolve("calls");
        Path state = dir.resolve("state");
        Files.writeString(state, "off\n");
        Path s = script("pdu.sh", """
                echo "$# $1 $2 host=$NETRESCUE_HOST action=$NETRESCUE_ACTION secret=${NETRESCUE_SECRET-unset} home=${HOME-unset}" >> %s
                case "$1" in
                  status) cat %2$s; echo "ignored second line";;
                  on) echo on > %2$s; echo "outlet 3 switched on";;
                  off) echo off > %2$s;;
                  cycle) echo on > %2$s;;
                esac
                """.formatted(calls, state));
        ExecDriver d = driver(s, Map.of(), Optional.of("pdu-community-42"), Duration.ofSeconds(5));
        assertThat(d.status()).isEqualTo(PowerState.OFF);
        assertThat(d.perform(PowerAction.ON)).isEqualTo("pdu.sh on node1 succeeded: outlet 3 switched on");
        assertThat(d.status()).isEqualTo(PowerState.ON);
        assertThat(d.perform(PowerAction.OFF)).isEqualTo("pdu.sh off node1 succeeded");
        assertThat(d.perform(PowerAction.CYCLE)).isEqualTo("pdu.sh cycle node1 succeeded");
        assertThat(Files.readAllLines(calls)).containsExactly(
                "2 status node1 host=node1 action=status secret=pdu-community-42 home=unset",
                "2 on node1 host=node1 action=on secret=pdu-community-42 home=unset",
                "2 status node1 host=node1 action=status secret=pdu-community-42 home=unset",
                "2 off node1 host=node1 action=off secret=pdu-community-42 home=unset",
                "2 cycle node1 host=node1 action=cycle secret=pdu-community-42 home=unset");

        // soft-reset is not in the default actions: refused without running the script
        PowerException e = catchThrowableOfType(PowerException.class, () -> d.perform(PowerAction.SOFT_RESET));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).isEqualTo("exec " + s + ": soft-reset is not in the script's 'actions' (status,on,off,cycle)");
        assertThat(Files.readAllLines(calls)).hasSize(5);

        ExecDriver noSecret = driver(s, Map.of("actions", "on, soft-reset"), Optional.empty(), Duration.ofSeconds(5));
        assertThat(noSecret.supports()).containsExactlyInAnyOrder(PowerAction.ON, PowerAction.SOFT_RESET);
        noSecret.perform(PowerAction.SOFT_RESET);
        assertThat(Files.readAllLines(calls).getLast()).isEqualTo("2 soft-reset node1 host=node1 action=soft-reset secret=unset home=unset");
        assertThatThrownBy(noSecret::status).isInstanceOf(PowerException.class).hasMessageContaining("status is not in the script's 'actions'");
    }

    @Test
    void failuresCarryTheLastStderrLineAndExit75IsRetryable() throws Exception {
        Path s = script("fail.sh", """
                echo "connecting to pdu" >&2
                echo "pdu said: access denied for $NETRESCUE_SECRET" >&2
                [ "$1" = on ] && exit 75
                [ "$1" = status ] && { echo "maybe"; exit 0; }
                exit 3
                """);
        ExecDriver d = driver(s, Map.of(), Optional.of("topsecret"), Duration.ofSeconds(5));
        PowerException off = catchThrowableOfType(PowerException.class, () -> d.perform(PowerAction.OFF));
        assertThat(off.getMessage()).isEqualTo("exec " + s + ": off failed (exit 3): pdu said: access denied for ***");
        assertThat(off.retryable()).isFalse();
        PowerException on = catchThrowableOfType(PowerException.class, () -> d.perform(PowerAction.ON));
        assertThat(on.retryable()).isTrue();
        PowerException status = catchThrowableOfType(PowerException.class, d::status);
        assertThat(status.getMessage()).isEqualTo("exec " + s + ": status printed 'maybe' as its first line, expected on, off or unknown");
    }

    @Test
    void aHangingScriptAndItsChildAreKilledAtTheTimeout() throws Exception {
        Path pids = dir.resolve("pids");
        Path s = script("hang.sh", """
                sleep 300 &
                echo $! >> %1$s
                echo $$ >> %1$s
                sleep 300
                """.formatted(pids));
        ExecDriver d = driver(s, Map.of(), Optional.empty(), Duration.ofMillis(700));
        long t0 = System.nanoTime();
        PowerException e = catchThrowableOfType(PowerException.class, () -> d.perform(PowerAction.OFF));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        List<Long> started = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
        pidsToKill.addAll(started);
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).isEqualTo("exec " + s + ": off did not finish within 700 ms (script and its children killed)");
        assertThat(took).isBetween(Duration.ofMillis(650), Duration.ofMillis(3000));
        assertThat(started).hasSize(2);
        for (long pid : started) awaitGone(pid);
    }

    @Test
    void aChildThatOutlivesTheScriptDoesNotHoldTheCallUp() throws Exception {
        Path pids = dir.resolve("pids");
        // the background sleep inherits stdout and stderr: with pipes the call would wait for it
        Path s = script("daemonize.sh", """
                sleep 30 &
                echo $! >> %s
                echo on
                """.formatted(pids));
        ExecDriver d = driver(s, Map.of(), Optional.empty(), Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        assertThat(d.status()).isEqualTo(PowerState.ON);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        long child = Long.parseLong(Files.readString(pids).strip());
        pidsToKill.add(child);
        assertThat(ProcessHandle.of(child)).as("left alone after a normal exit").isPresent();
    }

    @Test
    void settingsAreValidatedWithTheirNames() throws Exception {
        Path ok = script("ok.sh", "exit 0\n");
        Path notExec = dir.resolve("plain.sh");
        Files.writeString(notExec, "#!/bin/sh\n");
        refused(Map.of(), "exec power for node1: missing setting 'command'");
        refused(Map.of("command", "ok.sh"), "'command' must be an absolute path, not 'ok.sh'");
        refused(Map.of("command", dir.resolve("missing.sh").toString()), "missing.sh does not exist");
        refused(Map.of("command", notExec.toString()), "plain.sh is not an executable file");
        refused(Map.of("command", dir.toString()), "is not an executable file");
        refused(Map.of("command", ok.toString(), "actions", "on,reboot"), "'actions': power action must be status, on, off, cycle or soft-reset, not 'reboot'");
        refused(Map.of("command", ok.toString(), "actions", " , "), "'actions' lists no action");
        refused(Map.of("command", ok.toString(), "args", "-x"), "unknown setting 'args'");
        assertThat(driver(ok, Map.of(), Optional.empty(), Duration.ofSeconds(1)).describe()).isEqualTo("exec " + ok);
    }

    private static void refused(Map<String, String> m, String message) {
        assertThatThrownBy(() -> ExecDriver.from(new PowerSettings("node1", "exec", m, Optional.empty(), Duration.ofSeconds(1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(message);
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long end = System.nanoTime() + 2_000_000_000L;
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < end) Thread.sleep(20);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid + " killed").isFalse();
    }
}
