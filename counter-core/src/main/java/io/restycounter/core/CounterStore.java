package io.restycounter.core;

import java.time.LocalDate;
import java.util.SortedMap;

/**
 * Live per-day counts. {@link #increment} is on the request path: it only touches memory and
 * never blocks on I/O. Reads include this node's hits that are not flushed yet.
 */
public interface CounterStore extends AutoCloseable {

    /**
     * Adds {@code by} to the count of {@code key} on {@code day}.
     *
     * @return false when the store holds as many unflushed counters as it may and this one is new:
     *         the hit must be refused, not silently dropped
     */
    boolean increment(CounterKey key, LocalDate day, long by);

    /**
     * As {@link #increment(CounterKey, LocalDate, long)}, also adding {@code by} to the hour {@code hour} of
     * that day: whole hours since the local midnight, 0 to 24 ({@link io.restycounter.core.log.DayOfMillis#hourOf}).
     * On the request path like the day's count, under the same bound: false (and nothing counted) when
     * either is refused. A store that keeps no hours counts the day only.
     */
    default boolean increment(CounterKey key, LocalDate day, int hour, long by) {
        return increment(key, day, by);
    }

    /**
     * The counts of {@code key} per hour of each day from {@code from} to {@code to}, both included, with
     * this node's unflushed hits: 25 counts a day, indexed by {@code hour} as {@link #increment(CounterKey,
     * LocalDate, int, long)} takes it; days without any are left out.
     */
    default SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return new java.util.TreeMap<>();
    }

    long get(CounterKey key, LocalDate day) throws StoreException;

    /** Counts for every day from {@code from} to {@code to}, both included; days without hits are 0. */
    SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException;

    /**
     * {@link #range} of each of {@code counters} of {@code tenant}, in their order; a store that can
     * send the reads together does (a page of a prefix query, the candidates of a ranking).
     */
    default java.util.List<SortedMap<LocalDate, Long>> ranges(String tenant, java.util.List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        return CounterArchive.each(tenant, counters, key -> range(key, from, to));
    }

    /** The counters of {@code tenant} with a count on {@code day}; a store that cannot list them answers none. */
    default java.util.Set<String> counters(String tenant, LocalDate day) throws StoreException {
        return java.util.Set.of();
    }

    /**
     * At most {@code limit} counters of {@code tenant} with a count on {@code day}, in name order, whose
     * names start with {@code prefix} (empty: all) and sort after {@code after} (null: from the first).
     * Reads only what it returns: an index in name order, never the whole tenant.
     */
    default java.util.List<String> counterPage(String tenant, LocalDate day, String prefix, String after, int limit)
            throws StoreException {
        return java.util.List.of();
    }

    /**
     * {@link #counterPage} over several days, merged in name order: the first {@code limit} names with a count
     * on any of them. A store that can sends the days' reads together.
     */
    default java.util.List<String> counterPages(String tenant, java.util.List<LocalDate> days, String prefix,
            String after, int limit) throws StoreException {
        java.util.TreeSet<String> merged = new java.util.TreeSet<>();
        for (LocalDate d : days) {
            merged.addAll(counterPage(tenant, d, prefix, after, limit));
        }
        return CounterArchive.first(merged, limit);
    }

    /**
     * The {@link #counterPage} of a set in name order: a walk from the first name past {@code after} and
     * {@code prefix}, stopping at the first name without the prefix or at {@code limit}.
     */
    static java.util.List<String> page(java.util.NavigableSet<String> sorted, String prefix, String after,
            int limit) {
        boolean pastPrefix = after != null && after.compareTo(prefix) >= 0;
        String from = pastPrefix ? after : prefix;
        boolean inclusive = !pastPrefix;
        java.util.List<String> out = new java.util.ArrayList<>(Math.min(limit, 128));
        for (String c : sorted.tailSet(from, inclusive)) {
            if (out.size() >= limit || !c.startsWith(prefix)) {
                break;
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The tenants with a count on {@code day}, as far as the store can list them; for reconciliation,
     * off the request path (Redis scans its keys in small steps).
     */
    default java.util.Set<String> tenants(LocalDate day) throws StoreException {
        return java.util.Set.of();
    }

    /**
     * Notes a visitor of {@code key} on {@code day} for its unique-visitor sketch. On the request path:
     * a bounded append of references, no hashing, no I/O; the store hashes the visitor with its
     * period's secret salt off the request thread, by its next flush. False when the visitor was not
     * kept (the store keeps no uniques, or too many visitors wait): the hit still counts.
     */
    default boolean visit(CounterKey key, LocalDate day, String clientAddress, String userAgent) {
        return false;
    }

    /**
     * The unique visitors of {@code key} from {@code from} to {@code to}, both included, as far as the
     * store holds them (see {@link UniqueVisitors}); visitors noted since the last flush are not in it.
     */
    default UniqueVisitors uniques(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return UniqueVisitors.NONE;
    }

    /** {@link #uniques} of each of {@code counters} of {@code tenant}, in their order, read together where the store can. */
    default java.util.List<UniqueVisitors> uniquesRanges(String tenant, java.util.List<String> counters, LocalDate from,
            LocalDate to) throws StoreException {
        return CounterArchive.each(tenant, counters, key -> uniques(key, from, to));
    }

    /**
     * Notes one hit of {@code key} on {@code day} that met {@code fate} ({@link Fate}). On the request path:
     * memory only, nothing allocated for a (counter, day) seen before. A fate past the store's bound of
     * pending counters is dropped: a fate is a report, never a reason to refuse a hit.
     */
    default void fate(CounterKey key, LocalDate day, Fate fate) {
    }

    /**
     * The fates of {@code key} per day from {@code from} to {@code to}, both included: counts indexed by
     * {@link Fate#ordinal()}; days without any fate are left out.
     */
    default SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /** {@link #fates} of each of {@code counters} of {@code tenant}, in their order, read together where the store can. */
    default java.util.List<SortedMap<LocalDate, long[]>> fatesRanges(String tenant, java.util.List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        return CounterArchive.each(tenant, counters, key -> fates(key, from, to));
    }

    /**
     * Every tenant and counter with a fate on {@code day}, with its fates (indexed by {@link Fate#ordinal()}):
     * what the daily aggregation keeps in the archive before the day expires. Its cost is the day's size.
     */
    default SortedMap<String, SortedMap<String, long[]>> dayFates(LocalDate day) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /** Sends what is pending now and waits for it; throws when the backing store did not take it. */
    void flush() throws StoreException;

    /** True when the backing store answers. */
    boolean healthy();

    /** Pending counters, refusals and flushes so far; cheap enough for a metrics scrape. */
    default StoreStats stats() {
        return StoreStats.NONE;
    }

    /** Flushes what it can and releases the store. */
    @Override
    void close();
}
