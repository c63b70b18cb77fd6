package io.restycounter.core.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterStore;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The counters of a tenant's day, as the Redis store lists them: what Redis holds plus what this node has
 * not had confirmed. Prefix queries page through the day's index {@code rcn:{tenant}:yyyyMMdd}; only
 * reconciliation reads the whole day, in steps.
 */
final class CounterIndex {

    /** Reconciliation reads a day hash in steps of this many fields. */
    private static final ScanArgs SCAN_STEP = ScanArgs.Builder.limit(1000);

    private final PendingDeltas deltas;
    private final BatchProtocol batches;
    private final ReentrantReadWriteLock moveLock;
    private final BatchProtocol.Connection connection;
    private final String where;
    private final RedisLink link;

    CounterIndex(RedisLink link, PendingDeltas deltas, BatchProtocol batches, ReentrantReadWriteLock moveLock,
            BatchProtocol.Connection connection) {
        this.link = link;
        this.deltas = deltas;
        this.batches = batches;
        this.moveLock = moveLock;
        this.connection = connection;
        this.where = link.where();
    }

    /** Every counter of the day: reconciliation's, read in HSCAN steps, never in one call. */
    Set<String> counters(String tenant, LocalDate day) throws StoreException {
        Set<String> out = new TreeSet<>();
        unsent(tenant, day, out);
        RedisClusterAsyncCommands<String, String> r = RedisConnector.async(connection.get());
        String hash = BatchProtocol.dayKey(tenant, day);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            MapScanCursor<String, String> page = BatchProtocol.read(where, "read", () -> r.hscan(hash, from, SCAN_STEP));
            out.addAll(page.getMap().keySet());
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    /** Adds this node's counters of the day that Redis has not confirmed: pending deltas and batches in flight. */
    private void unsent(String tenant, LocalDate day, Set<String> out) {
        moveLock.readLock().lock();
        try {
            deltas.countersOf(tenant, day, out);
            for (Batch b : batches.inFlight()) {
                if (b.tenant.equals(tenant)) {
                    for (Delta d : b.deltas) {
                        if (d.day().equals(day) && d.isCount()) {
                            out.add(d.counter());
                        }
                    }
                }
            }
        } finally {
            moveLock.readLock().unlock();
        }
    }

    /** The sorted set that indexes the counters of {@code tenant}'s {@code day}, kept by {@link Scripts#APPLY}. */
    static String indexKey(String tenant, LocalDate day) {
        return "rcn" + BatchProtocol.dayKey(tenant, day).substring(2);
    }

    /**
     * One ZRANGEBYLEX ... LIMIT on each day's index, all sent before the first is awaited, merged with this
     * node's counters of those days not yet confirmed (held in memory, at most MAX_PENDING_COUNTERS).
     */
    List<String> page(String tenant, List<LocalDate> days, String prefix, String after, int limit)
            throws StoreException {
        Range<String> names = names(prefix, after);
        TreeSet<String> out = new TreeSet<>();
        for (LocalDate day : days) { // before the index: a name confirmed meanwhile is in one or the other
            TreeSet<String> unsent = new TreeSet<>();
            unsent(tenant, day, unsent);
            out.addAll(CounterStore.page(unsent, prefix, after, limit));
        }
        RedisClusterAsyncCommands<String, String> r = RedisConnector.async(connection.get());
        List<RedisFuture<List<String>>> sent = new ArrayList<>(days.size());
        for (LocalDate day : days) {
            sent.add(r.zrangebylex(indexKey(tenant, day), names, Limit.create(0, limit)));
        }
        for (RedisFuture<List<String>> reply : sent) {
            out.addAll(BatchProtocol.read(where, "read", () -> reply));
        }
        return CounterArchive.first(out, limit);
    }

    /**
     * The names of a counter index ({@code rcn:}) that a page asks for: those with {@code prefix} (empty:
     * all), after {@code after} when that is past the prefix's start; for ZRANGEBYLEX ... LIMIT.
     */
    static Range<String> names(String prefix, String after) {
        boolean pastPrefix = after != null && after.compareTo(prefix) >= 0;
        return Range.from(pastPrefix ? Range.Boundary.excluding(after) : Range.Boundary.including(prefix),
                prefix.isEmpty() ? Range.Boundary.unbounded() : Range.Boundary.excluding(prefix + '\u007f'));
    }

    /** Scans the day hashes {@code rc:{tenant}:yyyyMMdd} of {@code day}, a thousand keys a step, on every primary. */
    Set<String> tenants(LocalDate day) throws StoreException {
        String pattern = "rc:{*}:" + BatchProtocol.dayDigits(day);
        return link.call("SCAN " + pattern, r -> {
            Set<String> out = new TreeSet<>();
            ScanIterator<String> keys = ScanIterator.scan(r, ScanArgs.Builder.matches(pattern).limit(1000));
            while (keys.hasNext()) {
                String key = keys.next();
                int close = key.indexOf("}:");
                if (key.startsWith("rc:{") && close > 4) {
                    out.add(key.substring(4, close));
                }
            }
            return out;
        });
    }
}
