package io.netrescue.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Timestamps in the store: INTEGER microseconds since the epoch, UTC. Exact (no text parsing, no
 * zone), ordered for range queries, and the precision that H2's TIMESTAMP WITH TIME ZONE had and
 * PostgreSQL's timestamptz has, so nothing changes when a value moves between engines.
 */
public final class SqlTime {
    private SqlTime() {}

    /** The value to bind for {@code t} (truncated to the microsecond). */
    public static long of(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    public static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** A nullable timestamp column. */
    public static Optional<Instant> get(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(instant(v));
    }

    /** A NOT NULL timestamp column. */
    public static Instant require(ResultSet rs, String column) throws SQLException {
        return get(rs, column).orElseThrow(() -> new SQLException("column " + column + " is null"));
    }

    public static Instant require(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        if (rs.wasNull()) throw new SQLException("column " + column + " is null");
        return instant(v);
    }
}
