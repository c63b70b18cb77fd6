package io.restycounter.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LogShipper} once at start and then daily, shortly after midnight in its TIMEZONE.
 * A pass that left failures is retried after {@link #RETRY_AFTER_FAILURE} rather than a day later.
 * Owned by the app: {@link #start()} and {@link #stop()}; stop also closes the shipper.
 */
public final class DailyShipSchedule implements AutoCloseable {

    /** After midnight: well past the shipper's quiet period, so yesterday's file is closed. */
    public static final Duration AFTER_MIDNIGHT = Duration.ofMinutes(5);
    public static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(30);

    private static final Logger LOG = LoggerFactory.getLogger(DailyShipSchedule.class);

    private final LogShipper shipper;
    private final Clock clock;
    private ScheduledExecutorService executor;
    private volatile ShipReport lastReport;

    public DailyShipSchedule(LogShipper shipper, Clock clock) {
        this.shipper = shipper;
        this.clock = clock;
    }

    public synchronized DailyShipSchedule start() {
        if (executor != null) {
            return this;
        }
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "s3-log-shipper");
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = e;
        executor.execute(this::runAndReschedule);
        return this;
    }

    /** The last pass's report, or null before the first one finished. */
    public ShipReport lastReport() {
        return lastReport;
    }

    private void runAndReschedule() {
        boolean failed = true;
        try {
            lastReport = shipper.shipClosed();
            failed = !lastReport.failed().isEmpty();
        } catch (Throwable t) {
            LOG.error("s3 ship: pass failed", t);
        }
        Duration delay = untilNextRun(ZonedDateTime.now(clock.withZone(shipper.settings().zone())));
        if (failed && delay.compareTo(RETRY_AFTER_FAILURE) > 0) {
            delay = RETRY_AFTER_FAILURE;
        }
        synchronized (this) {
            if (executor != null && !executor.isShutdown()) {
                executor.schedule(this::runAndReschedule, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** From {@code now} to the next midnight (start of day, DST-aware) plus {@link #AFTER_MIDNIGHT}. */
    static Duration untilNextRun(ZonedDateTime now) {
        ZonedDateTime today = now.toLocalDate().atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT);
        ZonedDateTime next = now.isBefore(today) ? today
                : now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT);
        return Duration.between(now, next);
    }

    /** Stops scheduling, waits up to 30 s for a running pass, and closes the shipper. */
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
                    LOG.warn("s3 ship: a pass is still running after 30 s; it is left to finish or fail");
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        shipper.close();
    }

    @Override
    public void close() {
        stop();
    }
}
