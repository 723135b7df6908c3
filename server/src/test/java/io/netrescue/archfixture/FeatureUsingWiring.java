package io.netrescue.archfixture;

/** A feature that imports the wiring package (ArchitectureTest). */
final class FeatureUsingWiring {
    boolean openReads(io.netrescue.server.ServerConfig c) {
        return c.api() != null;
    }
}
