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
 * (DST-aware), on its own daemon thread. A failed pass is retried sooner than a day later. Delays
 * are measured on the scheduler, so a wall clock that jumps does not make a pass run twice.
 */
public final class DailyJob implements AutoCloseable {

    /** One pass; {@code atStart} is true for the pass right after {@link #start()}. */
    @FunctionalInterface
    public interface Pass {
        /** @return false when the pass should be retried soon rather than tomorrow */
        boolean run(boolean atStart) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DailyJob.class);

    private final String name;
    private final Duration afterMidnight;
    private final Duration retryAfterFailure;
    private final ZoneId zone;
    private final Clock clock;
    private final Pass pass;
    private ScheduledExecutorService executor;

    public DailyJob(String name, Duration afterMidnight, Duration retryAfterFailure, ZoneId zone, Clock clock,
            Pass pass) {
        this.name = name;
        this.afterMidnight = afterMidnight;
        this.retryAfterFailure = retryAfterFailure;
        this.zone = zone;
        this.clock = clock;
        this.pass = pass;
    }

    public synchronized DailyJob start() {
        if (executor != null) {
            return this;
        }
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = e;
        executor.execute(() -> runAndReschedule(true));
        return this;
    }

    private void runAndReschedule(boolean atStart) {
        boolean ok;
        try {
            ok = pass.run(atStart);
        } catch (Throwable t) {
            LOG.error("{}: pass failed: {}", name, t.toString(), t);
            ok = false;
        }
        Duration delay = untilNextRun(ZonedDateTime.now(clock.withZone(zone)), afterMidnight);
        if (!ok && delay.compareTo(retryAfterFailure) > 0) {
            delay = retryAfterFailure;
        }
        synchronized (this) {
            if (executor != null && !executor.isShutdown()) {
                executor.schedule(() -> runAndReschedule(false), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** From {@code now} to the next start of a day (DST-aware) plus {@code afterMidnight}. */
    public static Duration untilNextRun(ZonedDateTime now, Duration afterMidnight) {
        ZonedDateTime today = now.toLocalDate().atStartOfDay(now.getZone()).plus(afterMidnight);
        ZonedDateTime next = now.isBefore(today) ? today
                : now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()).plus(afterMidnight);
        return Duration.between(now, next);
    }

    /** Stops scheduling and waits up to 30 s for a running pass. */
    public void stop() {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
            executor = null;
        }
        if (e != null) {
            e.shutdown();
            try {
                if (!e.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warn("{}: a pass is still running after 30 s; it is left to finish or fail", name);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
