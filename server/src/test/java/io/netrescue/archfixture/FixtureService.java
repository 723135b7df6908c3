package io.netrescue.archfixture;

import io.netrescue.store.Database;

/** The same code as {@link HandlerWithTransaction}, in a service, where it belongs (ArchitectureTest). */
final class FixtureService {
    long count(Database db) {
        return db.read(h -> h.createQuery("SELECT count(*) FROM hosts").mapTo(Long.class).one());
    }
}
