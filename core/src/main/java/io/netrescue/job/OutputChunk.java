package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.util.Objects;

/** One {@code POST /rescue/jobs/ID/output}: seq from 1, at most {@link JobCodec#MAX_CHUNK} bytes of one stream. {@code data} is not copied. */
public record OutputChunk(long seq, OutputStream stream, byte[] data) {
    public OutputChunk {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(data, "data");
        if (seq < 1) throw new InvalidInputException("chunk seq must be at least 1, not " + seq);
        if (data.length > JobCodec.MAX_CHUNK) throw new InvalidInputException("chunk of " + data.length + " bytes (max " + JobCodec.MAX_CHUNK + ")");
    }
}
