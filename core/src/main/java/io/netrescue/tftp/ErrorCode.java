package io.netrescue.tftp;

/** RFC 1350 and RFC 2347 error codes. An ERROR packet keeps its raw code, so unknown codes still parse. */
public enum ErrorCode {
    NOT_DEFINED(0), FILE_NOT_FOUND(1), ACCESS_VIOLATION(2), DISK_FULL(3), ILLEGAL_OPERATION(4),
    UNKNOWN_TID(5), FILE_EXISTS(6), NO_SUCH_USER(7), OPTION_REFUSED(8);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
