package io.netrescue.sysrq.client;

import io.netrescue.boot.Durations;
import io.netrescue.sysrq.XtSysrq;
import java.time.Duration;

/**
 * The SysRq defaults the API applies and the CLI's help and options show, in one place so the two
 * cannot drift apart. Text forms are compile-time constants because picocli takes them in annotations.
 */
public final class SysrqDefaults {
    private SysrqDefaults() {}

    /** The agent's UDP port. */
    public static final int AGENT_PORT = 6099;
    /** Where the agent listens unless told otherwise (its configuration file's {@code listen}). */
    public static final String AGENT_LISTEN = "0.0.0.0:" + AGENT_PORT;
    /** xt_SYSRQ's UDP port (the module's default, discard). */
    public static final int XT_PORT = 9;
    /** xt_SYSRQ's hash, as the module's {@code hash} parameter names it. */
    public static final String XT_HASH_NAME = "sha1";
    public static final XtSysrq.Hash XT_HASH = XtSysrq.Hash.parse(XT_HASH_NAME);
    /** The keys the server may send a host: sync, remount read-only, reboot. */
    public static final String ALLOWED_KEYS = "sub";
    /** The agent's pause between keys: a sync must finish before b. */
    public static final int PAUSE_MILLIS = 500;
    /** How long the server watches for a host's next boot request after a reboot key. */
    public static final String CONFIRM_WITHIN_TEXT = "5m";
    public static final Duration CONFIRM_WITHIN = Durations.parse(CONFIRM_WITHIN_TEXT);
}
