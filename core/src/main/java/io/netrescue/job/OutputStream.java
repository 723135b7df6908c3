package io.netrescue.job;

/** Which of the job's streams a chunk holds; on the wire {@code out} or {@code err}. */
public enum OutputStream {
    OUT("out"), ERR("err");

    private final String word;

    OutputStream(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}
