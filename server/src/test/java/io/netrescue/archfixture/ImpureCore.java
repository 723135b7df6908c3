package io.netrescue.archfixture;

/** A "core" class that logs through a library (ArchitectureTest). */
final class ImpureCore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImpureCore.class);

    void decide() {
        log.info("side effect");
    }
}
