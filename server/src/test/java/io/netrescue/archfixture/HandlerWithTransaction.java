package io.netrescue.archfixture;

import io.netrescue.store.Database;

/** A handler that opens its own transaction (ArchitectureTest): only services may. */
final class HandlerWithTransaction {
    long count(Database db) {
        return db.read(h -> h.createQuery("SELECT count(*) FROM hosts").mapTo(Long.class).one());
    }
}
