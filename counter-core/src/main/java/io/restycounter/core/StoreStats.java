package io.restycounter.core;

/**
 * What a {@link CounterStore} tells an operator, read off the request path (a metrics scrape, a readiness probe).
 *
 * @param pendingCounters     (counter, day) entries counted here and not yet confirmed by the backing store
 * @param refusingNewCounters true while a hit on a new counter is refused (MAX_PENDING_COUNTERS reached, or the
 *                            embedded store full)
 * @param flushes             flushes the backing store confirmed since start
 * @param flushFailures       flushes the backing store did not take (down, timed out, refused)
 * @param flushNanos          time spent in the confirmed flushes
 * @param countersFlushed     (counter, day) entries the confirmed flushes carried
 * @param lastFlushMillis     when the last confirmed flush ended (epoch millis), or -1 before the first
 */
public record StoreStats(long pendingCounters, boolean refusingNewCounters, long flushes, long flushFailures,
                         long flushNanos, long countersFlushed, long lastFlushMillis) {

    /** A store with nothing to flush and no bound reached. */
    public static final StoreStats NONE = new StoreStats(0, false, 0, 0, 0, 0, -1);
}
