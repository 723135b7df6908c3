package io.netrescue.store;

import java.util.Optional;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A write the schema refused: a CHECK (a value longer than its column allows, which validation
 * should have caught first) or a UNIQUE key (a concurrent insert of the same name won). Either way
 * nothing of that transaction was stored, and the client's request, not the server, is at fault.
 */
public record ConstraintViolation(boolean conflict, String message) {

    /** The violation somewhere in {@code e}'s causes, if that is what {@code e} is. */
    public static Optional<ConstraintViolation> of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                SQLiteErrorCode code = s.getResultCode();
                return switch (code) {
                    case SQLITE_CONSTRAINT_CHECK -> Optional.of(new ConstraintViolation(false, "a value is too long or out of range for "
                            + column(s.getMessage())));
                    case SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY -> Optional.of(new ConstraintViolation(true,
                            "already exists (" + column(s.getMessage()) + ")"));
                    default -> Optional.empty();
                };
            }
        }
        return Optional.empty();
    }

    /** SQLite names the failed constraint ("CHECK constraint failed: length(kernel) <= 1024"); keep just that part. */
    private static String column(String msg) {
        if (msg == null) return "a column";
        int i = msg.indexOf("failed: ");
        String s = (i < 0 ? msg : msg.substring(i + 8)).strip();
        if (i >= 0 && s.endsWith(")")) s = s.substring(0, s.length() - 1); // the driver's own closing parenthesis
        return s.length() > 120 ? s.substring(0, 120) : s;
    }
}
