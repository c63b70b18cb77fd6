package io.restycounter.s3;

import io.restycounter.core.DailyJob;
import io.restycounter.core.Lifecycle;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;

/**
 * Runs a {@link LogShipper} once at start and then daily, shortly after midnight in its TIMEZONE.
 * A pass that left failures is retried after {@link #RETRY_AFTER_FAILURE} rather than a day later.
 * Owned by the app: {@link #start()} and {@link #stop()}, on one daemon thread, {@code s3-log-shipper}.
 * Stop waits up to {@link DailyJob#STOP_WAIT} (30 s) for a pass that is uploading, then closes the
 * shipper; a stopped schedule is not started again.
 */
public final class DailyShipSchedule implements Lifecycle {

    /** After midnight: well past the shipper's quiet period, so yesterday's file is closed. */
    public static final Duration AFTER_MIDNIGHT = Duration.ofMinutes(5);
    public static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(30);

    private final LogShipper shipper;
    private final DailyJob job;
    private volatile ShipReport lastReport;

    public DailyShipSchedule(LogShipper shipper, Clock clock) {
        this.shipper = shipper;
        this.job = new DailyJob("s3-log-shipper", AFTER_MIDNIGHT, RETRY_AFTER_FAILURE, shipper.settings().zone(),
                clock, atStart -> {
                    lastReport = shipper.shipClosed();
                    return lastReport.failed().isEmpty();
                });
    }

    /** Ships now (in the background) and schedules the daily passes; a second call does nothing. */
    @Override
    public void start() {
        job.start();
    }

    /** The last pass's report, or null before the first one finished. */
    public ShipReport lastReport() {
        return lastReport;
    }

    static Duration untilNextRun(ZonedDateTime now) {
        return DailyJob.untilNextRun(now, AFTER_MIDNIGHT);
    }

    /** Stops scheduling, waits up to {@link DailyJob#STOP_WAIT} for a running pass, and closes the shipper. */
    @Override
    public void stop() {
        job.stop();
        shipper.close();
    }
}
