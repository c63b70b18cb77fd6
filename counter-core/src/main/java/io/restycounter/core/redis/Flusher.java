package io.restycounter.core.redis;

import io.restycounter.core.Lifecycle;
import io.restycounter.core.StoreException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread {@code redis-flusher}: runs a flush every interval; after a failure it retries with a
 * back-off that doubles up to a limit, and says once that Redis does not take counts and once that it
 * does again. {@link #stop()} wakes it and waits at most its stop budget for the flush in progress.
 */
final class Flusher implements Lifecycle {

    static final String THREAD_NAME = "redis-flusher";

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);

    /** One flush; a failure keeps what it could not send for the next. */
    @FunctionalInterface
    interface Flush {
        void run() throws StoreException;
    }

    private final Flush flush;
    private final Duration interval;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration stopBudget;
    private final String where;
    private final LongSupplier pendingHits;

    private volatile boolean running;
    private Thread thread;
    private boolean stopped;

    /** {@code where} and {@code pendingHits} describe what waits, in the line that says Redis does not take counts. */
    Flusher(Flush flush, Duration interval, Duration minBackoff, Duration maxBackoff, Duration stopBudget,
            String where, LongSupplier pendingHits) {
        this.flush = flush;
        this.interval = interval;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.stopBudget = stopBudget;
        this.where = where;
        this.pendingHits = pendingHits;
    }

    /** Starts the thread; a second call, or a call after {@link #stop()}, does nothing. */
    @Override
    public synchronized void start() {
        if (thread != null || stopped) {
            return;
        }
        running = true;
        Thread t = new Thread(this::run, THREAD_NAME);
        t.setDaemon(true);
        t.start();
        thread = t;
    }

    /** Ends the thread, waiting at most the stop budget for a flush in progress. */
    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            stopped = true;
            running = false;
            t = thread;
        }
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        LockSupport.unpark(t);
        try {
            t.join(stopBudget.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long delay = interval.toNanos();
        long backoff = 0;
        while (running) {
            LockSupport.parkNanos(this, delay);
            if (!running) {
                break;
            }
            try {
                flush.run();
                if (backoff != 0) {
                    LOG.info("{} takes counts again", where);
                }
                backoff = 0;
                delay = interval.toNanos();
            } catch (StoreException | RuntimeException e) {
                // Not from a store that is closing: its close says once what did not reach Redis.
                if (backoff == 0 && running) {
                    LOG.warn("{} did not take counts ({}); {} hits kept, retrying with back-off",
                            where, e.getMessage(), pendingHits.getAsLong());
                }
                backoff = backoff == 0 ? minBackoff.toNanos() : Math.min(backoff * 2, maxBackoff.toNanos());
                delay = backoff;
            }
        }
    }
}
