package io.netrescue.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The job channel's bodies as docs/protocols/jobs.md spells them, and every refusal with its reason. */
class JobCodecTest {
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static void refused(Function<byte[], ?> decode, String body, String reason) {
        assertThatThrownBy(() -> decode.apply(ascii(body))).isInstanceOf(InvalidInputException.class).hasMessageContaining(reason);
    }

    @Test
    void specIsTheDocumentedLayoutAndRoundTrips() {
        JobSpec s = new JobSpec(17, 1800, 0, List.of(new JobSpec.Env("DISK", "/dev/sda"), new JobSpec.Env("MSG", "a b  c")), ascii("echo hi\n"));
        byte[] b = JobCodec.encode(s);
        assertThat(new String(b, StandardCharsets.US_ASCII))
                .isEqualTo("job 17\ntimeout 1800\nacked 0\nkind script\nenv DISK /dev/sda\nenv MSG a b  c\nscript-bytes 8\n\necho hi\n");
        JobSpec d = JobCodec.decodeSpec(b);
        assertThat(d.id()).isEqualTo(17);
        assertThat(d.timeoutSeconds()).isEqualTo(1800);
        assertThat(d.acked()).isZero();
        assertThat(d.env()).isEqualTo(s.env());
        assertThat(d.script()).isEqualTo(s.script());

        byte[] binary = new byte[256];
        for (int i = 0; i < 256; i++) binary[i] = (byte) i;
        JobSpec big = new JobSpec(Long.MAX_VALUE, JobCodec.MAX_TIMEOUT, 99, List.of(new JobSpec.Env("E", "")), binary);
        JobSpec back = JobCodec.decodeSpec(JobCodec.encode(big));
        assertThat(back.id()).isEqualTo(Long.MAX_VALUE);
        assertThat(back.env()).containsExactly(new JobSpec.Env("E", ""));
        assertThat(back.script()).isEqualTo(binary);
        assertThat(JobCodec.decodeSpec(JobCodec.encode(new JobSpec(1, 1, 0, List.of(), new byte[0]))).script()).isEmpty();
        assertThat(JobCodec.decodeSpec(JobCodec.encode(new JobSpec(1, 1, 0, List.of(), new byte[JobCodec.MAX_SCRIPT]))).script())
                .hasSize(JobCodec.MAX_SCRIPT);
    }

    @Test
    void chunkAckAndDoneRoundTrip() {
        OutputChunk c = new OutputChunk(5, OutputStream.ERR, ascii("oops\n"));
        assertThat(new String(JobCodec.encode(c), StandardCharsets.US_ASCII)).isEqualTo("seq 5\nstream err\nbytes 5\n\noops\n");
        OutputChunk d = JobCodec.decodeChunk(JobCodec.encode(c));
        assertThat(d.seq()).isEqualTo(5);
        assertThat(d.stream()).isEqualTo(OutputStream.ERR);
        assertThat(d.data()).isEqualTo(c.data());
        OutputChunk full = JobCodec.decodeChunk(JobCodec.encode(new OutputChunk(1, OutputStream.OUT, new byte[JobCodec.MAX_CHUNK])));
        assertThat(full.stream()).isEqualTo(OutputStream.OUT);
        assertThat(full.data()).hasSize(JobCodec.MAX_CHUNK);
        assertThat(JobCodec.decodeChunk(ascii("seq 1\nstream out\nbytes 0\n\n")).data()).isEmpty();

        assertThat(new String(JobCodec.encode(new Ack(5, false)), StandardCharsets.US_ASCII)).isEqualTo("acked 5\ncancel no\n");
        assertThat(JobCodec.decodeAck(ascii("acked 0\ncancel yes\n"))).isEqualTo(new Ack(0, true));
        assertThat(JobCodec.decodeAck(JobCodec.encode(new Ack(Long.MAX_VALUE, false)))).isEqualTo(new Ack(Long.MAX_VALUE, false));

        List<JobEnd> ends = List.of(new JobEnd.Exit(0), new JobEnd.Exit(3), new JobEnd.Exit(255), new JobEnd.Signal(9), new JobEnd.Signal(64),
                new JobEnd.Timeout(), new JobEnd.Cancelled(), new JobEnd.Failed("agent restarted"), new JobEnd.Failed(" x ".repeat(66) + "yz"));
        for (JobEnd e : ends) {
            Done done = new Done(9, e);
            assertThat(JobCodec.decodeDone(JobCodec.encode(done))).isEqualTo(done);
        }
        assertThat(new String(JobCodec.encode(new Done(0, new JobEnd.Exit(0))), StandardCharsets.US_ASCII)).isEqualTo("seq 0\nend exit 0\n");
        assertThat(new JobEnd.Signal(9).word()).isEqualTo("signal 9");
        assertThat(new JobEnd.Failed("agent restarted").word()).isEqualTo("failed agent restarted");
        assertThat(JobEnd.Failed.of("no\nsuch \u00e9 file".repeat(50)).message()).hasSize(200).doesNotContain("\n");
    }

    @Test
    void specRefusals() {
        String ok = "job 17\ntimeout 1800\nacked 0\nkind script\nscript-bytes 2\n\nhi";
        assertThat(JobCodec.decodeSpec(ascii(ok)).script()).isEqualTo(ascii("hi"));
        Function<byte[], ?> d = JobCodec::decodeSpec;
        refused(d, "", "job line 1: expected 'job', found the end of the body");
        refused(d, "\n", "job line 1: expected 'job', found a blank line");
        refused(d, "jobs 17\n", "line 1: expected 'job ...', found 'jobs'");
        refused(d, "job 0\ntimeout 1\nacked 0\nscript-bytes 0\n\n", "line 1: job must be 1-");
        refused(d, "job -1\n", "line 1: job '-1' is not a decimal number");
        refused(d, "job 017\n", "not a decimal number without sign or leading zeros");
        refused(d, "job +17\n", "not a decimal number");
        refused(d, "job 1 7\n", "not a decimal number");
        refused(d, "job \n", "not a decimal number");
        refused(d, "job 9223372036854775808\n", "job 9223372036854775808 is too large");
        refused(d, "job 12345678901234567890\n", "not a decimal number");
        refused(d, "job 17\r\n", "line 1: byte 7 is not printable ASCII");
        refused(d, "job 17", "line 1: no newline");
        refused(d, "job " + "1".repeat(2000) + "\n", "longer than");
        refused(d, "job 17\ntimeout 0\n", "line 2: timeout must be 1-86400, not 0");
        refused(d, "job 17\ntimeout 86401\n", "line 2: timeout must be 1-86400");
        refused(d, "job 17\nacked 0\n", "line 2: expected 'timeout ...', found 'acked'");
        refused(d, "job 17\ntimeout 5\nacked 0\n", "line 4: expected 'kind', found the end of the body");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv lower x\nscript-bytes 0\n\n", "line 5: env name 'lower' must match");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv 1A x\nscript-bytes 0\n\n", "env name '1A' must match");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv " + "A".repeat(65) + " x\nscript-bytes 0\n\n", "must match");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv NOVALUE\nscript-bytes 0\n\n", "line 5: expected 'env NAME value'");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv A x\u0001\nscript-bytes 0\n\n", "line 5: byte 8 is not printable ASCII");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv A \u00e9\nscript-bytes 0\n\n", "not printable ASCII");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv A " + "v".repeat(1025) + "\nscript-bytes 0\n\n", "env A: value longer than 1024");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nenv A 1\nenv A 2\nscript-bytes 0\n\n", "line 6: env A given twice");
        StringBuilder many = new StringBuilder("job 17\ntimeout 5\nacked 0\nkind script\n");
        for (int i = 0; i <= 64; i++) many.append("env E").append(i).append(" v\n");
        refused(d, many + "script-bytes 0\n\n", "line 69: more than 64 env lines");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript 2\n\nhi", "line 5: expected 'env' or 'script-bytes', found 'script'");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript-bytes 2\nhi", "line 6: expected a blank line before the 2 bytes");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript-bytes 2\n\nh", "declared 2 bytes after the blank line, found 1");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript-bytes 2\n\nhi\n", "declared 2 bytes after the blank line, found 3");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript-bytes 1048577\n\n", "script-bytes must be 0-1048576");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind script\nscript-bytes 2000000000\n\n", "script-bytes must be 0-1048576");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind builtin\nscript-bytes 0\n\n", "line 4: expected 'kind script' or 'kind builtin NAME'");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind builtin Disks\nscript-bytes 0\n\n", "line 4: expected 'kind script' or 'kind builtin NAME'");
        refused(d, "job 17\ntimeout 5\nacked 0\nkind binary\nscript-bytes 0\n\n", "line 4: expected 'kind script'");
        refused(d, "job 17\ntimeout 5\nacked 0\nenv A 1\nscript-bytes 0\n\n", "line 4: expected 'kind ...', found 'env'");
        JobSpec b = new JobSpec(3, 60, 0, List.of(), ascii("x"), java.util.Optional.of("mount-root"));
        assertThat(new String(JobCodec.encode(b), StandardCharsets.US_ASCII)).contains("acked 0\nkind builtin mount-root\nscript-bytes 1\n");
        assertThat(JobCodec.decodeSpec(JobCodec.encode(b)).builtin()).contains("mount-root");
    }

    @Test
    void chunkRefusals() {
        Function<byte[], ?> d = JobCodec::decodeChunk;
        refused(d, "seq 0\nstream out\nbytes 0\n\n", "output line 1: seq must be 1-");
        refused(d, "seq 1\nstream both\nbytes 0\n\n", "line 2: expected 'stream out' or 'stream err'");
        refused(d, "seq 1\nstream OUT\nbytes 0\n\n", "expected 'stream out' or 'stream err'");
        refused(d, "seq 1\nstream out\nbytes 65537\n\n", "line 3: bytes must be 0-65536, not 65537");
        refused(d, "seq 1\nstream out\nbytes 2000000000\n\n", "bytes must be 0-65536");
        refused(d, "seq 1\nstream out\nbytes 3\n\nab", "declared 3 bytes after the blank line, found 2");
        refused(d, "seq 1\nstream out\nbytes 1\n\nab", "found 2");
        refused(d, "seq 1\nstream out\nbytes 1\nx", "line 4: expected a blank line");
        refused(d, "seq 1\nbytes 1\n\nx", "line 2: expected 'stream ...', found 'bytes'");
        refused(d, "stream out\n", "line 1: expected 'seq ...', found 'stream'");
    }

    @Test
    void ackAndDoneRefusals() {
        Function<byte[], ?> a = JobCodec::decodeAck;
        refused(a, "acked 5\n", "ack line 2: expected 'cancel', found the end of the body");
        refused(a, "acked 5\ncancel maybe\n", "line 2: expected 'cancel no' or 'cancel yes'");
        refused(a, "acked 5\ncancel no", "line 2: no newline");
        refused(a, "acked 5\ncancel no\n\n", "line 3: expected the end of the body, found more");
        refused(a, "acked 5\ncancel no\nextra 1\n", "expected the end of the body");
        refused(a, "acked -5\ncancel no\n", "not a decimal number");
        refused(a, "cancel no\nacked 5\n", "line 1: expected 'acked ...', found 'cancel'");

        Function<byte[], ?> d = JobCodec::decodeDone;
        refused(d, "seq -1\nend exit 0\n", "done line 1: seq '-1' is not a decimal number");
        refused(d, "seq 1\nend exit 256\n", "line 2: exit code must be 0-255, not 256");
        refused(d, "seq 1\nend exit 01\n", "exit code '01' is not a decimal number");
        refused(d, "seq 1\nend exit\n", "line 2: expected 'end exit N'");
        refused(d, "seq 1\nend signal 0\n", "signal must be 1-64, not 0");
        refused(d, "seq 1\nend signal 65\n", "signal must be 1-64");
        refused(d, "seq 1\nend timeout now\n", "expected 'end exit N'");
        refused(d, "seq 1\nend killed\n", "expected 'end exit N'");
        refused(d, "seq 1\nend failed \n", "failed MESSAGE must be 1-200 characters");
        refused(d, "seq 1\nend failed " + "m".repeat(201) + "\n", "failed MESSAGE must be 1-200 characters");
        refused(d, "seq 1\nend failed tab\there\n", "not printable ASCII");
        refused(d, "seq 1\nend exit 0\nseq 2\n", "line 3: expected the end of the body");
        refused(d, "seq 1\n", "line 2: expected 'end', found the end of the body");
    }

    @Test
    void recordsRefuseWhatTheContractRefuses() {
        List<Runnable> bad = new ArrayList<>(List.of(
                () -> new JobSpec(0, 1, 0, List.of(), new byte[0]),
                () -> new JobSpec(1, 0, 0, List.of(), new byte[0]),
                () -> new JobSpec(1, 86401, 0, List.of(), new byte[0]),
                () -> new JobSpec(1, 1, -1, List.of(), new byte[0]),
                () -> new JobSpec(1, 1, 0, List.of(), new byte[JobCodec.MAX_SCRIPT + 1]),
                () -> new JobSpec(1, 1, 0, List.of(new JobSpec.Env("A", "1"), new JobSpec.Env("A", "2")), new byte[0]),
                () -> new JobSpec.Env("a", "x"),
                () -> new JobSpec.Env("A", "\n"),
                () -> new OutputChunk(0, OutputStream.OUT, new byte[0]),
                () -> new OutputChunk(1, OutputStream.OUT, new byte[JobCodec.MAX_CHUNK + 1]),
                () -> new Ack(-1, false),
                () -> new Done(-1, new JobEnd.Timeout()),
                () -> new JobEnd.Exit(-1),
                () -> new JobEnd.Exit(256),
                () -> new JobEnd.Signal(0),
                () -> new JobEnd.Failed(""),
                () -> new JobEnd.Failed("x".repeat(201)),
                () -> new JobEnd.Failed("a\tb")));
        List<JobSpec.Env> tooMany = new ArrayList<>();
        for (int i = 0; i <= JobCodec.MAX_ENV; i++) tooMany.add(new JobSpec.Env("E" + i, ""));
        bad.add(() -> new JobSpec(1, 1, 0, tooMany, new byte[0]));
        for (Runnable r : bad) assertThatThrownBy(r::run).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aHugeDeclaredSizeIsRefusedBeforeAnythingIsAllocated() {
        // every prefix of a valid body is refused cleanly, and so is every single-byte change that breaks it
        byte[] ok = JobCodec.encode(new JobSpec(3, 60, 2, List.of(new JobSpec.Env("X", "y")), ascii("true\n")));
        for (int n = 0; n < ok.length; n++) {
            byte[] prefix = Arrays.copyOf(ok, n);
            assertThatThrownBy(() -> JobCodec.decodeSpec(prefix)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> JobCodec.decodeSpec(null)).isInstanceOf(InvalidInputException.class).hasMessage("job: no body");
    }
}
