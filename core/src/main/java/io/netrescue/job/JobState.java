package io.netrescue.job;

import java.util.Locale;

/** Where a job is: waiting, running in its host's rescue system, or how it ended. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, LOST;

    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static JobState of(String word) {
        for (JobState s : values()) if (s.word().equals(word)) return s;
        throw new IllegalArgumentException("unknown job state " + word);
    }

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }

    /** The state a job ends in, from what its agent reported ("exit 0", "signal 9", "timeout", "cancelled", "failed ..."). */
    public static JobState ended(String endWord) {
        if (endWord.equals("exit 0")) return SUCCEEDED;
        if (endWord.equals("timeout")) return TIMED_OUT;
        if (endWord.equals("cancelled")) return CANCELLED;
        return FAILED;
    }
}
