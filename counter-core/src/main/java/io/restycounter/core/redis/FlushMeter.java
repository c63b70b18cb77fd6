package io.restycounter.core.redis;

import io.restycounter.core.StoreException;
import io.restycounter.core.StoreStats;
import java.time.Clock;
import java.util.concurrent.atomic.LongAdder;

/** Counts and times the flushes of a {@link RedisCounterStore}, for {@link RedisCounterStore#stats()}. */
final class FlushMeter {

    /** A flush: how many (counter, day) entries it carried, or a failure. */
    @FunctionalInterface
    interface Flush {
        int run() throws StoreException;
    }

    private final Clock clock;
    private final LongAdder flushes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private final LongAdder counters = new LongAdder();
    private volatile long lastMillis = -1;

    FlushMeter(Clock clock) {
        this.clock = clock;
    }

    void time(Flush flush) throws StoreException {
        long started = System.nanoTime();
        int carried;
        try {
            carried = flush.run();
        } catch (StoreException | RuntimeException e) {
            failures.increment();
            throw e;
        }
        nanos.add(System.nanoTime() - started);
        counters.add(carried);
        flushes.increment();
        lastMillis = clock.millis();
    }

    StoreStats stats(long pendingCounters, boolean refusing) {
        return new StoreStats(pendingCounters, refusing, flushes.sum(), failures.sum(), nanos.sum(), counters.sum(),
                lastMillis);
    }
}
