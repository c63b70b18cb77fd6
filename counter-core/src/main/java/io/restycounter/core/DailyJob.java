package io.restycounter.core;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background work that runs once at start and then daily, a set time after midnight in a zone
 * (DST-aware), on one daemon thread named after the job. A failed pass is retried sooner than a day
 * later: after {@code firstRetry}, doubling up to {@code retryAfterFailure}. A pass that fails with a
 * {@link StoreException} or an {@link java.io.IOException} (a store or a disk that is away) logs one line
 * saying when it is retried; its stack trace only at debug level. Delays are measured on the scheduler, so
 * a wall clock that jumps does not make a pass run twice.
 *
 * <p>{@link #stop()} cancels what is scheduled and waits up to {@link #STOP_WAIT} (30 s) for a pass that is
 * running; a pass still running then is logged and left to finish or fail on its daemon thread. A stopped
 * job may be started again.
 */
public final class DailyJob implements Lifecycle {

    /** How long {@link #stop()} waits for a running pass. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(30);

    /** One pass; {@code atStart} is true for the pass right after {@link #start()}. */
    @FunctionalInterface
    public interface Pass {
        /** @return false when the pass should be retried soon rather than tomorrow */
        boolean run(boolean atStart) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DailyJob.class);

    private final String name;
    private final Duration afterMidnight;
    private final Duration firstRetry;
    private final Duration retryAfterFailure;
    private final ZoneId zone;
    private final Clock clock;
    private final Pass pass;
    private final Duration stopWait;
    private ScheduledExecutorService executor;
    /** Failed passes in a row; only the job's thread touches it. */
    private int failures;

    public DailyJob(String name, Duration afterMidnight, Duration retryAfterFailure, ZoneId zone, Clock clock,
            Pass pass) {
        this(name, afterMidnight, retryAfterFailure, retryAfterFailure, zone, clock, pass, STOP_WAIT);
    }

    /** A job whose failed passes are retried after {@code firstRetry}, doubling up to {@code retryAfterFailure}. */
    public DailyJob(String name, Duration afterMidnight, Duration firstRetry, Duration retryAfterFailure, ZoneId zone,
            Clock clock, Pass pass) {
        this(name, afterMidnight, firstRetry, retryAfterFailure, zone, clock, pass, STOP_WAIT);
    }

    DailyJob(String name, Duration afterMidnight, Duration retryAfterFailure, ZoneId zone, Clock clock, Pass pass,
            Duration stopWait) {
        this(name, afterMidnight, retryAfterFailure, retryAfterFailure, zone, clock, pass, stopWait);
    }

    private DailyJob(String name, Duration afterMidnight, Duration firstRetry, Duration retryAfterFailure, ZoneId zone,
            Clock clock, Pass pass, Duration stopWait) {
        if (firstRetry.compareTo(retryAfterFailure) > 0) {
            throw new IllegalArgumentException("firstRetry: expected at most retryAfterFailure, got " + firstRetry);
        }
        this.name = name;
        this.firstRetry = firstRetry;
        this.afterMidnight = afterMidnight;
        this.retryAfterFailure = retryAfterFailure;
        this.zone = zone;
        this.clock = clock;
        this.pass = pass;
        this.stopWait = stopWait;
    }

    /** Runs the first pass now on the job's thread and schedules the next; a second call does nothing. */
    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = e;
        e.execute(() -> runAndReschedule(e, true));
    }

    private void runAndReschedule(ScheduledExecutorService on, boolean atStart) {
        boolean ok;
        Throwable failure = null;
        try {
            ok = pass.run(atStart);
        } catch (Throwable t) {
            failure = t;
            ok = false;
        }
        Duration delay = untilNextRun(ZonedDateTime.now(clock.withZone(zone)), afterMidnight);
        if (ok) {
            failures = 0;
        } else {
            Duration retry = retryDelay(failures++);
            if (delay.compareTo(retry) > 0) {
                delay = retry;
            }
        }
        if (failure instanceof StoreException || failure instanceof java.io.IOException) {
            LOG.warn("{}: {}; retrying in {} s", name, failure.getMessage(), delay.toSeconds());
            LOG.debug("{}: the failed pass", name, failure);
        } else if (failure != null) {
            LOG.error("{}: pass failed: {}; retrying in {} s", name, failure.toString(), delay.toSeconds(), failure);
        }
        synchronized (this) {
            // Only on the executor this pass ran on: after a stop and a new start, a late pass must not
            // schedule a second chain on the new one.
            if (executor == on && !on.isShutdown()) {
                on.schedule(() -> runAndReschedule(on, false), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The wait after {@code failedBefore} + 1 failures in a row: {@code firstRetry}, doubling, capped. */
    Duration retryDelay(int failedBefore) {
        Duration d = firstRetry;
        for (int i = 0; i < failedBefore && d.compareTo(retryAfterFailure) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(retryAfterFailure) > 0 ? retryAfterFailure : d;
    }

    /** From {@code now} to the next start of a day (DST-aware) plus {@code afterMidnight}. */
    public static Duration untilNextRun(ZonedDateTime now, Duration afterMidnight) {
        ZonedDateTime today = now.toLocalDate().atStartOfDay(now.getZone()).plus(afterMidnight);
        ZonedDateTime next = now.isBefore(today) ? today
                : now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()).plus(afterMidnight);
        return Duration.between(now, next);
    }

    /** Stops scheduling and waits up to {@link #STOP_WAIT} for a running pass, which is not interrupted. */
    @Override
    public void stop() {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
            executor = null;
        }
        if (e != null) {
            // Waited for outside the lock: a pass that is ending takes the lock to schedule its successor.
            e.shutdown();
            try {
                if (!e.awaitTermination(stopWait.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{}: a pass is still running after {} s; it is left to finish or fail", name,
                            stopWait.toSeconds());
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
