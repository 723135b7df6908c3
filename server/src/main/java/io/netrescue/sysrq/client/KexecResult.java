package io.netrescue.sysrq.client;

/** What a host's agent said to a kexec request; {@link #wireName()} is the word in event kinds ({@code kernel.try-kexec-<word>}). */
public enum KexecResult {
    /** The agent loaded the kernel and is about to kexec. */
    LOADED("loaded"),
    REFUSED("refused"),
    /** No answer in time, or the request could not be sent. */
    NO_ACK("no-ack");

    private final String wireName;

    KexecResult(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
