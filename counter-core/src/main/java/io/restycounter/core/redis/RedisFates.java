package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fates ({@link Fate}) this node noted and has not yet put into a batch, and their reads. A fate
 * leaves as a {@link Delta} whose counter is {@code counter|fate}: {@code |} is no counter character, so
 * {@link Scripts#APPLY} tells it from a count and HINCRBYs it into hash {@code rcf:{tenant}:yyyyMMdd}
 * in the same script call as the counts of its batch, exactly once under the same marker.
 *
 * <p>{@link #add} is on the pixel path: two map lookups and an atomic add, nothing allocated for a
 * (counter, day) seen before; at most {@code maxPending} entries, past that a new counter's fate is
 * dropped. Removing an idle entry follows {@link PendingDeltas}'s retire protocol.
 */
final class RedisFates {

    /** Between counter and fate in an {@code rcf:} field; never in a counter name. */
    static final char SEPARATOR = '|';

    private final int maxPending;
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, Counts>> days = new ConcurrentHashMap<>();
    private final AtomicInteger entries = new AtomicInteger();

    RedisFates(int maxPending) {
        this.maxPending = maxPending;
    }

    /** The fates hash of {@code tenant} on {@code day}, beside its day hash and in the same cluster slot. */
    static String fatesKey(String tenant, LocalDate day) {
        return "rcf:{" + tenant + "}:" + BatchProtocol.dayDigits(day);
    }

    void add(CounterKey key, LocalDate day, int fate) {
        add(key, day, fate, 1);
    }

    private void add(CounterKey key, LocalDate day, int fate, long by) {
        ConcurrentHashMap<CounterKey, Counts> m = days.get(day);
        if (m == null) {
            m = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        Counts counts = m.get(key);
        boolean created = counts == null;
        if (created) {
            if (entries.get() >= maxPending) {
                return;
            }
            counts = m.computeIfAbsent(key, k -> {
                entries.incrementAndGet();
                return new Counts();
            });
        }
        counts.addAndGet(fate, by);
        if (counts.retired || created && days.get(day) != m) {
            counts.retired = true;
            long orphan = counts.getAndSet(fate, 0);
            if (orphan != 0) {
                add(key, day, fate, orphan);
            }
        }
    }

    /**
     * Moves every non-zero fate of the tenants not in {@code held} into {@code byTenant} as a delta of
     * {@code counter|fate}, and drops entries that stayed idle since the last drain. One drainer at a time.
     */
    void drainInto(Map<String, List<Delta>> byTenant, Set<String> held) {
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, Counts>> day : days.entrySet()) {
            for (Map.Entry<CounterKey, Counts> e : day.getValue().entrySet()) {
                CounterKey key = e.getKey();
                if (!held.isEmpty() && held.contains(key.tenant())) {
                    continue;
                }
                Counts counts = e.getValue();
                long[] taken = counts.take();
                if (Fate.none(taken) && day.getValue().remove(key, counts)) {
                    entries.decrementAndGet();
                    counts.retired = true;
                    taken = counts.take();
                }
                for (Fate f : Fate.ALL) {
                    if (taken[f.ordinal()] != 0) {
                        byTenant.computeIfAbsent(key.tenant(), t -> new ArrayList<>()).add(new Delta(day.getKey(),
                                key.counter() + SEPARATOR + f.jsonName(), taken[f.ordinal()]));
                    }
                }
            }
            if (day.getValue().isEmpty() && days.remove(day.getKey(), day.getValue())) {
                // A fate that raced into the removed map is moved by its thread (see add).
                for (Map.Entry<CounterKey, Counts> e : day.getValue().entrySet()) {
                    e.getValue().retired = true;
                    entries.decrementAndGet();
                    long[] late = e.getValue().take();
                    for (int i = 0; i < late.length; i++) {
                        if (late[i] != 0) {
                            add(e.getKey(), day.getKey(), i, late[i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fates of each of {@code counters} per day, with this node's pending ones: per day one HMGET of
     * many counters' fates (at most {@value ArchiveDays#FIELDS_PER_CALL} fields), all sent before the first
     * is awaited; a batch in flight shows once it is applied. Days without any fate are left out.
     */
    List<SortedMap<LocalDate, long[]>> read(StatefulConnection<String, String> query, String tenant, List<String> counters,
            LocalDate from, LocalDate to, String where) throws StoreException {
        span("fates", from, to);
        int step = Math.max(1, ArchiveDays.FIELDS_PER_CALL / Fate.COUNT);
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(query);
        List<RedisFuture<List<KeyValue<String, String>>>> replies = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            for (int first = 0; first < counters.size(); first += step) {
                int count = Math.min(step, counters.size() - first);
                String[] fields = new String[count * Fate.COUNT];
                for (int c = 0; c < count; c++) {
                    for (Fate f : Fate.ALL) {
                        fields[c * Fate.COUNT + f.ordinal()] = counters.get(first + c) + SEPARATOR + f.jsonName();
                    }
                }
                replies.add(redis.hmget(fatesKey(tenant, d), fields));
            }
        }
        List<SortedMap<LocalDate, long[]>> out = new ArrayList<>(counters.size());
        for (int c = 0; c < counters.size(); c++) {
            out.add(new TreeMap<>());
        }
        try {
            int next = 0;
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                for (int first = 0; first < counters.size(); first += step) {
                    List<KeyValue<String, String>> values = BatchProtocol.await(replies.get(next++));
                    for (int c = 0; c < Math.min(step, counters.size() - first); c++) {
                        long[] counts = new long[Fate.COUNT];
                        for (int f = 0; f < counts.length; f++) {
                            counts[f] = parse(values.get(c * Fate.COUNT + f).getValueOrElse("0"));
                        }
                        addPending(new CounterKey(tenant, counters.get(first + c)), d, counts);
                        if (!Fate.none(counts)) {
                            out.get(first + c).put(d, counts);
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": fates read interrupted", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": fates read failed: " + BatchProtocol.message(e), BatchProtocol.cause(e));
        }
        return out;
    }

    /**
     * Every tenant's fates of {@code day} in Redis: the {@code rcf:{*}:yyyyMMdd} keys found by SCAN (as
     * the day's tenants are), each read by HSCAN (at most 10,000 fields; counter {@code *} left out).
     */
    SortedMap<String, SortedMap<String, long[]>> scan(RedisLink link, StatefulConnection<String, String> query,
            LocalDate day, String where) throws StoreException {
        String pattern = "rcf:{*}:" + BatchProtocol.dayDigits(day);
        List<String> keys = link.call("SCAN " + pattern, r -> {
            List<String> out = new ArrayList<>();
            io.lettuce.core.ScanIterator<String> it = io.lettuce.core.ScanIterator.scan(r,
                    io.lettuce.core.ScanArgs.Builder.matches(pattern).limit(1000));
            it.forEachRemaining(out::add);
            return out;
        });
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(query);
        SortedMap<String, SortedMap<String, long[]>> out = new TreeMap<>();
        try {
            for (String key : keys) {
                int close = key.indexOf("}:");
                if (!key.startsWith("rcf:{") || close < 5) {
                    continue;
                }
                SortedMap<String, long[]> tenant = new TreeMap<>();
                io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
                do {
                    io.lettuce.core.MapScanCursor<String, String> page = BatchProtocol.await(
                            redis.hscan(key, cursor, io.lettuce.core.ScanArgs.Builder.limit(1000)));
                    for (Map.Entry<String, String> e : page.getMap().entrySet()) {
                        int bar = e.getKey().lastIndexOf(SEPARATOR);
                        Fate fate = bar <= 0 ? null : Fate.ofJsonName(e.getKey().substring(bar + 1));
                        String counter = bar <= 0 ? null : e.getKey().substring(0, bar);
                        if (fate != null && CounterKey.isValidCounter(counter)) {
                            tenant.computeIfAbsent(counter, c -> new long[Fate.COUNT])[fate.ordinal()] += parse(e.getValue());
                        }
                    }
                    cursor = page;
                } while (!cursor.isFinished());
                if (!tenant.isEmpty()) {
                    out.put(key.substring(5, close), tenant);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": fates read interrupted", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": fates read failed: " + BatchProtocol.message(e), BatchProtocol.cause(e));
        }
        return out;
    }

    /** The days from {@code from} to {@code to}, both included, at most {@code MAX_RANGE_DAYS}: a store read's bound. */
    static int span(String what, LocalDate from, LocalDate to) {
        long span = java.time.temporal.ChronoUnit.DAYS.between(from, to) + 1;
        if (span < 1 || span > RedisCounterStore.MAX_RANGE_DAYS) {
            throw new IllegalArgumentException(what + ": expected 1 to " + RedisCounterStore.MAX_RANGE_DAYS
                    + " days from " + from + " to " + to);
        }
        return (int) span;
    }

    /** A stray value in the hash reads as 0 rather than failing the query. */
    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void addPending(CounterKey key, LocalDate day, long[] counts) {
        ConcurrentHashMap<CounterKey, Counts> m = days.get(day);
        Counts pending = m == null ? null : m.get(key);
        if (pending != null) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += pending.get(i);
            }
        }
    }

    /** One (counter, day)'s fates by {@link Fate#ordinal()}; {@code retired} as {@link PendingDeltas}'s. */
    @SuppressWarnings("serial") // never serialized
    private static final class Counts extends AtomicLongArray {
        volatile boolean retired;

        Counts() {
            super(Fate.COUNT);
        }

        long[] take() {
            long[] out = new long[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = getAndSet(i, 0);
            }
            return out;
        }
    }
}
