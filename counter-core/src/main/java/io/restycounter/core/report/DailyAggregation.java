package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterStore;
import io.restycounter.core.DailyJob;
import io.restycounter.core.Lifecycle;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantCalendar;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregates yesterday's logs into the archive every day at {@link #AFTER_MIDNIGHT} in TIMEZONE (after
 * the log writer's quiet minute, before the S3 shipper at 00:05 moves files), and at start when
 * yesterday is not aggregated yet; then reconciles yesterday against the live store and logs any drift.
 * A tenant behind TIMEZONE still has hours of yesterday in today's file: its yesterday is written by the
 * next day's pass, which also aggregates the day before yesterday while that day is not complete.
 * A failed pass (Redis or the archive away) logs one line and is retried after {@link #FIRST_RETRY},
 * doubling up to {@link #RETRY_AFTER_FAILURE}, so a store that comes back is caught up within minutes.
 *
 * <p>Owned by the app: runs on one daemon thread, {@code daily-aggregation}. {@link #stop()} waits up to
 * {@link DailyJob#STOP_WAIT} (30 s) for a pass that is running, then leaves it to finish on its own.
 */
public final class DailyAggregation implements Lifecycle {

    public static final Duration AFTER_MIDNIGHT = Duration.ofMinutes(2);
    public static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    public static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(DailyAggregation.class);

    /** One pass's outcome: what this node's files held, and the check of the day. */
    public record Pass(Aggregator.Result aggregated, Reconciler.Report reconciled) {
    }

    private final CounterConfig config;
    private final CounterArchive archive;
    private final CounterStore store;
    private final Aggregator aggregator;
    private final TenantCalendar calendar;
    private final Clock clock;
    private final DailyJob job;

    /** As below, for an engine whose tenants all keep TIMEZONE's calendar. */
    public DailyAggregation(CounterConfig config, CounterArchive archive, CounterStore store, Clock clock) {
        this(config, archive, store, TenantCalendar.of(config.zone()), clock);
    }

    /**
     * Aggregates {@code config}'s LOG_DIR into {@code archive} and reconciles it with {@code store}, each
     * tenant's day in its {@code calendar}: an engine's parts.
     */
    public DailyAggregation(CounterConfig config, CounterArchive archive, CounterStore store, TenantCalendar calendar,
            Clock clock) {
        this.config = config;
        this.archive = archive;
        this.store = store;
        this.clock = clock;
        this.calendar = calendar;
        this.aggregator = new Aggregator(config.logDir(), archive, calendar, clock);
        this.job = new DailyJob("daily-aggregation", AFTER_MIDNIGHT, FIRST_RETRY, RETRY_AFTER_FAILURE, config.zone(),
                clock, this::pass);
    }

    /** Runs the first pass now (in the background) and schedules the daily ones; a second call does nothing. */
    @Override
    public void start() {
        job.start();
    }

    /**
     * Writes the shares of {@code day} that this node's files hold, then checks the day: once every
     * node's share is in, the day is marked complete and, while it is still live and there is a
     * {@code store}, compared with the store counter by counter.
     */
    public Pass runOnce(LocalDate day) throws IOException, StoreException {
        Aggregator.Result r = aggregator.aggregate(day);
        LOG.info("aggregated {}", r);
        boolean live = store != null && !day.isBefore(config.liveFrom(LocalDate.now(clock.withZone(config.zone()))));
        if (live) {
            aggregator.archiveLiveFates(store, day);
        }
        Reconciler.Report report = Reconciler.check(archive, live ? store : null, r.nodes(), day);
        if (!report.complete()) {
            LOG.info("{}; the last node to aggregate completes it", report);
        } else {
            if (!live) {
                LOG.info("{}: complete", day);
            } else if (report.ok()) {
                LOG.info("reconciled {}", report);
            } else {
                LOG.warn("reconciled {}: {}", report, firstDrift(report.drift(), day));
            }
        }
        // Last, so that a failure here (retried with the pass) never holds back the day or its check.
        AllTimeBuild.complete(archive, r.totals().keySet(), YearMonth.now(clock.withZone(config.zone())));
        return new Pass(r, report);
    }

    private boolean pass(boolean atStart) throws IOException, StoreException {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(config.zone()));
        LocalDate yesterday = now.toLocalDate().minusDays(1);
        boolean quiet = !now.isBefore(now.toLocalDate().atStartOfDay(now.getZone()).plus(AFTER_MIDNIGHT));
        LocalDate before = yesterday.minusDays(1);
        // Only when a tenant behind TIMEZONE had hours of it in yesterday's file, open at the last pass.
        if (quiet && calendar.spanOf(before)[1] > yesterday.atStartOfDay(now.getZone()).toInstant().toEpochMilli()
                && !archive.isAggregated(before)) {
            runOnce(before);
        }
        if (quiet && (!atStart || !archive.isAggregated(yesterday))) {
            runOnce(yesterday);
        }
        return true;
    }

    /** Stops the schedule; bounded by {@link DailyJob#STOP_WAIT}. */
    @Override
    public void stop() {
        job.stop();
    }

    /** Drift shown in the app log at most: a day of a big tenant can drift on every counter. */
    static final int DRIFT_LOGGED = 20;

    /** The first {@value #DRIFT_LOGGED} drifts of {@code day}, and where to see the others. */
    static String firstDrift(List<Reconciler.Drift> drift, LocalDate day) {
        if (drift.size() <= DRIFT_LOGGED) {
            return drift.toString();
        }
        return drift.subList(0, DRIFT_LOGGED) + " and " + (drift.size() - DRIFT_LOGGED)
                + " more (`bin/counter verify --day " + day + "` lists them all)";
    }
}
