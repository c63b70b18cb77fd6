package io.restycounter.core;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregates yesterday's logs into the archive every day at {@link #AFTER_MIDNIGHT} in TIMEZONE (after
 * the log writer's quiet minute, before the S3 shipper at 00:05 moves files), and at start when
 * yesterday is not aggregated yet; then reconciles yesterday against the live store and logs any drift.
 * A failed pass is retried after {@link #RETRY_AFTER_FAILURE}. Owned by the app: start and stop.
 */
public final class DailyAggregation implements AutoCloseable {

    public static final Duration AFTER_MIDNIGHT = Duration.ofMinutes(2);
    public static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(DailyAggregation.class);

    /** One pass's outcome. */
    public record Pass(Aggregator.Result aggregated, Reconciler.Report reconciled) {
    }

    private final CounterEngine engine;
    private final Aggregator aggregator;
    private final Clock clock;
    private ScheduledExecutorService executor;

    public DailyAggregation(CounterEngine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
        this.aggregator = new Aggregator(engine.config().logDir(), engine.archive());
    }

    public synchronized DailyAggregation start() {
        if (executor != null) {
            return this;
        }
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "daily-aggregation");
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = e;
        executor.execute(() -> run(true));
        return this;
    }

    /** Aggregates {@code day} and, when it is still live, compares it with the store. */
    public Pass runOnce(LocalDate day) throws IOException, StoreException {
        Aggregator.Result r = aggregator.aggregate(day);
        LOG.info("aggregated {}", r);
        Reconciler.Report report = null;
        if (!day.isBefore(engine.liveFrom())) {
            report = engine.reconcile(r.totals().keySet(), day);
            if (report.ok()) {
                LOG.info("reconciled {}", report);
            } else {
                LOG.warn("reconciled {}: {}", report, report.drift());
            }
        }
        return new Pass(r, report);
    }

    private void run(boolean atStart) {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(engine.config().zone()));
        LocalDate yesterday = now.toLocalDate().minusDays(1);
        boolean failed = false;
        try {
            boolean quiet = !now.isBefore(now.toLocalDate().atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT));
            if (quiet && (!atStart || !engine.archive().isAggregated(yesterday))) {
                runOnce(yesterday);
            }
        } catch (IOException | StoreException | RuntimeException e) {
            failed = true;
            LOG.error("aggregating {} failed: {}", yesterday, e.toString());
        }
        Duration delay = untilNextRun(now);
        if (failed && delay.compareTo(RETRY_AFTER_FAILURE) > 0) {
            delay = RETRY_AFTER_FAILURE;
        }
        synchronized (this) {
            if (executor != null && !executor.isShutdown()) {
                executor.schedule(() -> run(false), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** From {@code now} to the next midnight (DST-aware) plus {@link #AFTER_MIDNIGHT}. */
    static Duration untilNextRun(ZonedDateTime now) {
        ZonedDateTime today = now.toLocalDate().atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT);
        ZonedDateTime next = now.isBefore(today) ? today
                : now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT);
        return Duration.between(now, next);
    }

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
                    LOG.warn("daily aggregation: a pass is still running after 30 s");
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
