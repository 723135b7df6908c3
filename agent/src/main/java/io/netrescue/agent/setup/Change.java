package io.netrescue.agent.setup;

/** One thing setup puts in place, at an absolute path of the target system. */
sealed interface Change {
    String path();

    /** A regular file with exactly this content and mode. */
    record WriteFile(String path, byte[] content, int mode) implements Change {}

    /** A symbolic link (how {@code systemctl enable} enables a unit; it works on a root that is not running). */
    record Link(String path, String target) implements Change {}
}
