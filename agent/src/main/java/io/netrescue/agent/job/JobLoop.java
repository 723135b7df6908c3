package io.netrescue.agent.job;

import io.netrescue.job.JobSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks the server for jobs (long polls of 25 s) and runs them one at a time, each to its delivered
 * end; backs off from 1 s to 30 s after failures. A 403 (the token refused) ends the polling, but a
 * job already running still delivers its output and end (the runner keeps trying, in case the
 * refusal was the server's mix-up).
 */
public final class JobLoop implements Runnable {
    private static final System.Logger log = System.getLogger("netrescue.agent");
    static final Duration POLL = Duration.ofSeconds(25);

    private final JobClient client;
    private final JobRunner runner;
    private final Optional<AllowedJobs> allowed;
    private final Duration backoffMin, backoffMax;
    private volatile boolean stopped;
    private volatile boolean refused;
    private volatile Thread thread;

    public JobLoop(JobClient client, JobRunner runner) {
        this(client, runner, Optional.empty());
    }

    /** @param allowed on an installed system, what it may run (a job beyond it is reported failed, not run) */
    public JobLoop(JobClient client, JobRunner runner, Optional<AllowedJobs> allowed) {
        this(client, runner, allowed, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    JobLoop(JobClient client, JobRunner runner, Duration backoffMin, Duration backoffMax) {
        this(client, runner, Optional.empty(), backoffMin, backoffMax);
    }

    JobLoop(JobClient client, JobRunner runner, Optional<AllowedJobs> allowed, Duration backoffMin, Duration backoffMax) {
        this.client = client;
        this.runner = runner;
        this.allowed = allowed;
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
    }

    /** Starts the loop on a virtual thread. */
    public JobLoop start() {
        thread = Thread.ofVirtual().name("jobs").start(this);
        return this;
    }

    @Override
    public void run() {
        long wait = backoffMin.toMillis();
        try {
            while (!stopped && !refused) {
                try {
                    Optional<JobSpec> job = client.next(POLL);
                    wait = backoffMin.toMillis();
                    Optional<String> refusal = job.flatMap(j -> allowed.flatMap(a -> a.refusal(j)));
                    if (refusal.isPresent()) {
                        log.log(System.Logger.Level.WARNING, "job " + job.get().id() + " refused: " + refusal.get());
                        runner.refuse(job.get(), refusal.get());
                        if (runner.refused()) refused = true;
                    } else if (job.isPresent()) {
                        log.log(System.Logger.Level.INFO, "running job " + job.get().id() + " (timeout " + job.get().timeoutSeconds() + " s)");
                        runner.run(job.get());
                        if (runner.refused()) refused = true;
                    }
                } catch (JobRefused e) {
                    refused = true;
                } catch (IOException | RuntimeException e) {
                    log.log(System.Logger.Level.DEBUG, "cannot fetch a job, again in " + wait + " ms: " + e.getMessage());
                    Thread.sleep(wait);
                    wait = Math.min(wait * 2, backoffMax.toMillis());
                }
            }
            if (refused) log.log(System.Logger.Level.WARNING, "the server refused this agent's jobs token (403): no longer asking for jobs");
        } catch (InterruptedException e) {
            // stopped
        }
    }

    /** Whether polling ended because the server refused the token. */
    public boolean refused() {
        return refused;
    }

    /** Stops polling; a running job is killed at once (the agent is going away). */
    public void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the loop to end (tests). */
    public boolean await(Duration d) throws InterruptedException {
        Thread t = thread;
        return t == null || t.join(d);
    }
}
