package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the schema refuses is told apart from a broken server: the API answers 400/409, not 500. */
class ConstraintViolationTest {
    @TempDir Path dir;

    @Test
    void checkAndUniqueViolationsAreRecognisedAndNothingIsStored() {
        try (Database db = Database.openEmbedded(dir)) {
            Throwable tooLong = catchThrowable(() -> db.inWriteTransaction(h -> h.createUpdate(
                    "INSERT INTO profiles (name, kernel, cmdline, created_at, updated_at) VALUES ('p', ?, '', 0, 0)")
                    .bind(0, "k".repeat(1025)).execute()));
            assertThat(ConstraintViolation.of(tooLong)).hasValueSatisfying(v -> {
                assertThat(v.conflict()).isFalse();
                assertThat(v.message()).isEqualTo("a value is too long or out of range for length(kernel) <= 1024");
            });
            db.inWriteTransaction(h -> h.execute("INSERT INTO profiles (name, kernel, cmdline, created_at, updated_at) VALUES ('p', 'k', '', 0, 0)"));
            Throwable dup = catchThrowable(() -> db.inWriteTransaction(h -> h.execute(
                    "INSERT INTO profiles (name, kernel, cmdline, created_at, updated_at) VALUES ('p', 'k2', '', 0, 0)")));
            assertThat(ConstraintViolation.of(dup)).hasValueSatisfying(v -> assertThat(v.conflict()).isTrue());
            Long n = db.read(h -> h.createQuery("SELECT count(*) FROM profiles").mapTo(Long.class).one());
            assertThat(n).isEqualTo(1);
            assertThat(ConstraintViolation.of(new IllegalStateException("x"))).isEmpty();
        }
    }
}
