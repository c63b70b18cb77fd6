package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.StoreException;
import java.time.YearMonth;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the all-time totals of the tenants a day's aggregation touched: once per tenant, the archive
 * adds what it held before it kept them ({@link CounterArchive#buildAllTime}), one bounded step at a time;
 * afterwards every share keeps them up to date by itself. Runs in the daily aggregation's thread.
 */
final class AllTimeBuild {

    /** Steps one tenant may take in one pass: 2,000,000 counter-months in Redis; the next pass goes on. */
    static final int MAX_STEPS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(AllTimeBuild.class);

    private AllTimeBuild() {
    }

    /** Builds each tenant's totals that are not complete yet; returns how many tenants are complete. */
    static int complete(CounterArchive archive, Collection<String> tenants, YearMonth thisMonth) throws StoreException {
        int complete = 0;
        for (String tenant : tenants) {
            int steps = 0;
            boolean done = archive.buildAllTime(tenant, thisMonth);
            while (!done && ++steps < MAX_STEPS) {
                done = archive.buildAllTime(tenant, thisMonth);
            }
            if (done) {
                complete++;
                if (steps > 0) {
                    LOG.info("all-time totals of {} complete ({} steps)", tenant, steps + 1);
                }
            } else {
                LOG.info("all-time totals of {}: {} steps done, the next aggregation goes on", tenant, steps);
            }
        }
        return complete;
    }
}
