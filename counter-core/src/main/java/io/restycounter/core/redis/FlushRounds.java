package io.restycounter.core.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How batches go out so that one that Redis does not confirm holds back only its own tenant. A tenant
 * with a batch in flight gets no new batch until that one is confirmed (its deltas wait in memory), so
 * a tenant's batches are applied in the order built; every other tenant still gets its batch each
 * round. A failed or timed-out attempt is retried with a back-off of its own batch.
 *
 * <p>The flusher's {@link #round()} never waits for a reply: it sends, and takes the replies that have
 * come at the start of the next round. So a primary that does not answer during a failover delays
 * only the tenants of its slots. {@link #flush()} waits, for callers that need counts in Redis now.
 * Both run under the store's flush lock.
 */
final class FlushRounds {

    static final Duration MIN_RETRY = Duration.ofMillis(100);
    static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);

    /** Moves the deltas of tenants not in {@code held} into new batches in flight; see {@code RedisCounterStore.drain}. */
    @FunctionalInterface
    interface Drain {
        List<Batch> drain(List<String> deletable, Set<String> held);
    }

    private final BatchProtocol protocol;
    private final Drain drain;
    private final Runnable afterRound;
    private final String where;
    /** Connections the client saw drop since start: a Redis restart drops them all. */
    private final LongSupplier disconnects;
    private long disconnectsSeen;
    private boolean holdingBack;
    /** (counter, day) entries confirmed since the current round or flush began. */
    private int confirmed;

    FlushRounds(BatchProtocol protocol, Drain drain, Runnable afterRound, String where, LongSupplier disconnects) {
        this.protocol = protocol;
        this.disconnects = disconnects;
        this.disconnectsSeen = disconnects.getAsLong();
        this.drain = drain;
        this.afterRound = afterRound;
        this.where = where;
    }

    /**
     * The flusher's round: takes the replies that came, retries the batches due, sends every free
     * tenant's deltas. Returns how many (counter, day) entries Redis confirmed in it.
     */
    int round() throws StoreException {
        confirmed = 0;
        noticeDrops();
        collect(System.nanoTime());
        List<Batch> out = due(System.nanoTime(), false);
        List<String> deletable = new ArrayList<>();
        out.addAll(drain.drain(deletable, heldTenants()));
        protocol.deleteMarkers(deletable); // not awaited: a marker not deleted expires
        send(out);
        afterRound.run();
        noteHeldBack();
        return confirmed;
    }

    /**
     * Waits for attempts still out, retries every batch in flight (back-off or not), then sends the
     * deltas of the tenants that have none left, and waits for Redis to confirm. Throws when a batch is
     * still not confirmed; it is kept for retry. Returns how many (counter, day) entries Redis confirmed.
     */
    int flush() throws StoreException {
        confirmed = 0;
        noticeDrops();
        collect(System.nanoTime() + BatchProtocol.COMMAND_TIMEOUT.toNanos());
        sendAndWait(due(0, true));
        List<String> deletable = new ArrayList<>();
        List<Batch> fresh = drain.drain(deletable, heldTenants());
        List<RedisFuture<Long>> deleted = protocol.deleteMarkers(deletable);
        try {
            sendAndWait(fresh);
        } finally {
            BatchProtocol.awaitQuietly(deleted);
        }
        afterRound.run();
        noteHeldBack();
        int left = protocol.inFlight().size();
        if (left > 0) {
            throw new StoreException(where + ": " + left + " batches not confirmed, kept for retry");
        }
        return confirmed;
    }

    /**
     * A dropped connection may be a restarted Redis, maybe without its data. A NOSCRIPT says so too, but
     * not when another node has loaded the script again first: so what this node sent once per day
     * (expiries, visitor ids) goes again after any drop, as after a lost script cache.
     */
    private void noticeDrops() {
        long now = disconnects.getAsLong();
        if (now != disconnectsSeen) {
            disconnectsSeen = now;
            protocol.scriptCacheLost();
        }
    }

    private void sendAndWait(List<Batch> out) throws StoreException {
        if (out.isEmpty()) {
            return;
        }
        send(out);
        collect(System.nanoTime() + BatchProtocol.COMMAND_TIMEOUT.toNanos());
        List<Batch> again = new ArrayList<>();
        for (Batch b : out) {
            if (b.needsEval) {
                again.add(b);
            }
        }
        if (!again.isEmpty()) {
            send(again);
            collect(System.nanoTime() + BatchProtocol.COMMAND_TIMEOUT.toNanos());
        }
    }

    /** Tenants with a batch in flight: they wait for it before they get another. */
    Set<String> heldTenants() {
        Set<String> held = new HashSet<>();
        for (Batch b : protocol.inFlight()) {
            held.add(b.tenant);
        }
        return held;
    }

    /** Batches in flight with no attempt out whose back-off has passed at {@code now} (or all, with {@code any}). */
    private List<Batch> due(long now, boolean any) {
        List<Batch> due = new ArrayList<>();
        for (Batch b : protocol.inFlight()) {
            if (b.attempt == null && (any || now - b.retryNanos >= 0)) {
                due.add(b);
            }
        }
        return due;
    }

    /** Sends each batch's script in one pipeline, without waiting for the replies. */
    private void send(List<Batch> batches) throws StoreException {
        if (batches.isEmpty()) {
            return;
        }
        StatefulConnection<String, String> c = protocol.connection();
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(c);
        protocol.announce(batches, c, redis);
        try {
            for (Batch b : batches) {
                if (b.needsEval) {
                    b.attempt = redis.eval(Scripts.APPLY, ScriptOutputType.INTEGER, b.keys, b.args);
                } else {
                    b.attempt = redis.evalsha(BatchProtocol.APPLY_SHA, ScriptOutputType.INTEGER, b.keys, b.args);
                }
                b.needsEval = false;
                b.sentNanos = System.nanoTime();
            }
            c.flushCommands();
        } catch (RuntimeException e) {
            throw new StoreException(where + ": cannot send batches: " + BatchProtocol.message(e), e);
        }
    }

    /**
     * Takes the replies that came, waiting for them until {@code waitUntil} ({@link System#nanoTime()}):
     * a batch with a reply is confirmed; one whose attempt failed, or had no reply within the command
     * timeout, is unsure (its marker stays until it expires) and due again after its back-off.
     */
    private void collect(long waitUntil) {
        for (Batch b : protocol.inFlight()) {
            RedisFuture<Long> f = b.attempt;
            if (f == null) {
                continue;
            }
            long giveUp = b.sentNanos + BatchProtocol.COMMAND_TIMEOUT.toNanos();
            try {
                long left = Math.min(waitUntil, giveUp) - System.nanoTime();
                if (!f.isDone() && left <= 0) {
                    throw new TimeoutException();
                }
                f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
                b.attempt = null;
                b.failures = 0;
                protocol.confirmed(b);
                confirmed += b.deltas.size();
            } catch (ExecutionException e) {
                b.attempt = null;
                if (BatchProtocol.isNoScript(e.getCause())) {
                    protocol.scriptCacheLost();
                    b.needsEval = true;
                    b.retryNanos = System.nanoTime();
                } else {
                    LOG.debug("batch failed: {}", BatchProtocol.message(e));
                    failed(b);
                }
            } catch (TimeoutException e) {
                if (System.nanoTime() - giveUp >= 0) {
                    f.cancel(false); // not sent yet: never send it; sent: its marker stays (unsure)
                    b.attempt = null;
                    failed(b);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void failed(Batch b) {
        b.unsure = true;
        b.failures++;
        long backoff = Math.min(MAX_RETRY.toNanos(), MIN_RETRY.toNanos() << Math.min(b.failures - 1, 10));
        b.retryNanos = System.nanoTime() + backoff;
    }

    /** Says once when batches wait for a retry, and once when none does any more. */
    private void noteHeldBack() {
        int waiting = 0;
        Set<String> tenants = new HashSet<>();
        for (Batch b : protocol.inFlight()) {
            if (b.failures > 0) {
                waiting++;
                tenants.add(b.tenant);
            }
        }
        if (waiting > 0 && !holdingBack) {
            holdingBack = true;
            LOG.warn("{}: {} batches of {} tenants not confirmed; those tenants' counts wait and are retried with "
                    + "back-off, the other tenants keep flushing", where, waiting, tenants.size());
        } else if (waiting == 0 && holdingBack) {
            holdingBack = false;
            LOG.info("{} confirmed the batches it held back; every tenant flushes again", where);
        }
    }
}
