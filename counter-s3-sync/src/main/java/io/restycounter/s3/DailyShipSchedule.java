package io.restycounter.s3;

import io.restycounter.core.DailyJob;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;

/**
 * Runs a {@link LogShipper} once at start and then daily, shortly after midnight in its TIMEZONE.
 * A pass that left failures is retried after {@link #RETRY_AFTER_FAILURE} rather than a day later.
 * Owned by the app: {@link #start()} and {@link #stop()}; stop also closes the shipper.
 */
public final class DailyShipSchedule implements AutoCloseable {

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

    public DailyShipSchedule start() {
        job.start();
        return this;
    }

    /** The last pass's report, or null before the first one finished. */
    public ShipReport lastReport() {
        return lastReport;
    }

    static Duration untilNextRun(ZonedDateTime now) {
        return DailyJob.untilNextRun(now, AFTER_MIDNIGHT);
    }

    /** Stops scheduling, waits up to 30 s for a running pass, and closes the shipper. */
    public void stop() {
        job.stop();
        shipper.close();
    }

    @Override
    public void close() {
        stop();
    }
}
