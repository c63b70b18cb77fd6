package io.restycounter.core.redis;

import io.restycounter.core.StoreException;
import java.time.Duration;

/** For tests: flushes a store until Redis has confirmed every hit it holds, through outages, failovers and moves. */
final class Flushing {

    private Flushing() {
    }

    /** Throws an AssertionError saying {@code failure}, with the last flush error as its cause, when {@code within} runs out. */
    static void untilConfirmed(RedisCounterStore store, Duration within, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        StoreException last = null;
        while (true) {
            try {
                store.flush();
                if (store.pendingHits() == 0) {
                    return;
                }
            } catch (StoreException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure, last);
            }
            Thread.sleep(100);
        }
    }
}
