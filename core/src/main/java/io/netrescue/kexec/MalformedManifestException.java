package io.netrescue.kexec;

/** Bytes that are not a well-formed kexec manifest; the agent refuses the kexec with this message. */
public final class MalformedManifestException extends Exception {
    public MalformedManifestException(String message) {
        super(message, null, false, false);
    }
}
