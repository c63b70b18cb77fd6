package io.restycounter.core;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * Daily totals of closed days, aggregated from the logs ({@link io.restycounter.core.report.Aggregator}),
 * kept for good: the {@code {aggregated log data}} half of a count. Each node that counted on a day
 * contributes its share, the totals of its own log files; a day's total is the sum of every node's
 * share. Writing a share replaces that node's earlier share of the day, so aggregating again, on any
 * node and in any order, gives the same totals.
 */
public interface CounterArchive extends AutoCloseable {

    /** The share name of a node that has no NODE_ID (log files {@code yyyy-MM-dd-access.log}). */
    String UNNAMED_NODE = "";

    /** The share name of imported history ({@code import}): no NODE_ID holds a '+'. */
    String IMPORT_NODE = "+import";

    /** The fates share of what only the live counters know (refusals, prefetches): all nodes' at once. */
    String LIVE_FATES_NODE = "+live";

    /**
     * Replaces {@code node}'s share of {@code tenant}'s {@code day} with {@code totals} (counter to
     * count): afterwards each counter's total that day is the sum of every node's share, and a counter
     * this node had before but not in {@code totals} counts nothing from this node.
     */
    void replaceShare(String node, String tenant, LocalDate day, Map<String, Long> totals) throws StoreException;

    /** Records that {@code node}'s share of {@code day} is written, for every tenant it counted. */
    void markShareDone(String node, LocalDate day) throws StoreException;

    /** The nodes whose share of {@code day} is written. */
    Set<String> sharesDone(LocalDate day) throws StoreException;

    /**
     * The nodes that sent live counts for {@code day} (the Redis store announces each node for each day
     * before its first count of that day): each of them owes a share. None for the embedded archive,
     * whose one node keeps all its files in its own LOG_DIR.
     */
    default Set<String> nodesCounted(LocalDate day) throws StoreException {
        return Set.of();
    }

    /** The tenants some node wrote a share of {@code day} for. */
    Set<String> tenants(LocalDate day) throws StoreException;

    /** Records that {@code day} is complete: every node that counted on it has its share in. */
    void markAggregated(LocalDate day) throws StoreException;

    /** Whether {@code day} is complete (see {@link #markAggregated}). */
    boolean isAggregated(LocalDate day) throws StoreException;

    /** Every complete day so far, as {@code yyyy-MM-dd}. */
    Set<String> aggregatedDays() throws StoreException;

    /** Whether every day from {@code from} to {@code to} is complete. */
    default boolean allAggregated(LocalDate from, LocalDate to) throws StoreException {
        Set<String> days = aggregatedDays();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            if (!days.contains(d.toString())) {
                return false;
            }
        }
        return true;
    }

    /** Totals of {@code key} for every day from {@code from} to {@code to}, both included; 0 where none. */
    SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException;

    /** {@link #range} of each of {@code counters} of {@code tenant}, in their order, read together where the archive can. */
    default java.util.List<SortedMap<LocalDate, Long>> ranges(String tenant, java.util.List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        return each(tenant, counters, key -> range(key, from, to));
    }

    /**
     * The sum of {@link #range} of each of {@code counters} over the days from {@code from} to {@code to}, in
     * their order: what a ranking by total needs, without each counter's days.
     */
    default long[] totals(String tenant, java.util.List<String> counters, LocalDate from, LocalDate to)
            throws StoreException {
        java.util.List<SortedMap<LocalDate, Long>> ranges = ranges(tenant, counters, from, to);
        long[] totals = new long[counters.size()];
        for (int i = 0; i < totals.length; i++) {
            for (long v : ranges.get(i).values()) {
                totals[i] += v;
            }
        }
        return totals;
    }

    /** A read of one counter, for {@link #each}. */
    @FunctionalInterface
    interface CounterRead<T> {
        T read(CounterKey key) throws StoreException;
    }

    /** {@code read} of each of {@code counters} of {@code tenant}, in their order, one after the other. */
    static <T> java.util.List<T> each(String tenant, java.util.List<String> counters, CounterRead<T> read)
            throws StoreException {
        java.util.List<T> out = new java.util.ArrayList<>(counters.size());
        for (String c : counters) {
            out.add(read.read(new CounterKey(tenant, c)));
        }
        return out;
    }

    /**
     * Every counter of {@code tenant} whose name starts with {@code prefix} (empty: all) with its totals
     * from {@code from} to {@code to}; only counters with a total in that range are listed.
     */
    SortedMap<String, SortedMap<LocalDate, Long>> byPrefix(String tenant, String prefix, LocalDate from, LocalDate to)
            throws StoreException;

    /**
     * At most {@code limit} counters of {@code tenant} archived in {@code month}, in name order, whose names
     * start with {@code prefix} (empty: all) and sort after {@code after} (null: from the first). A counter
     * whose totals went back to 0 may still be listed.
     */
    default java.util.List<String> counterPage(String tenant, java.time.YearMonth month, String prefix, String after,
            int limit) throws StoreException {
        return java.util.List.of();
    }

    /**
     * {@link #counterPage} over several months, merged in name order: the first {@code limit} names archived
     * in any of them. An archive that can sends the months' reads together.
     */
    default java.util.List<String> counterPages(String tenant, java.util.List<java.time.YearMonth> months,
            String prefix, String after, int limit) throws StoreException {
        java.util.TreeSet<String> merged = new java.util.TreeSet<>();
        for (java.time.YearMonth m : months) {
            merged.addAll(counterPage(tenant, m, prefix, after, limit));
        }
        return first(merged, limit);
    }

    /** The first {@code limit} names of {@code sorted}. */
    static java.util.List<String> first(java.util.SortedSet<String> sorted, int limit) {
        java.util.List<String> out = new java.util.ArrayList<>(Math.min(limit, sorted.size()));
        for (String c : sorted) {
            if (out.size() == limit) {
                break;
            }
            out.add(c);
        }
        return out;
    }

    /** Every counter of {@code tenant} with a total on {@code day}, with that total. */
    default SortedMap<String, Long> dayTotals(String tenant, LocalDate day) throws StoreException {
        SortedMap<String, Long> out = new java.util.TreeMap<>();
        for (Map.Entry<String, SortedMap<LocalDate, Long>> e : byPrefix(tenant, "", day, day).entrySet()) {
            long total = e.getValue().getOrDefault(day, 0L);
            if (total != 0) {
                out.put(e.getKey(), total);
            }
        }
        return out;
    }

    /**
     * The all-time total of {@code key}: the sum of every archived day of it, kept up to date as shares are
     * written (not summed at query time); -1 while the archive does not keep it yet for the tenant (its
     * first {@linkplain #buildAllTime build} is not done, or this archive keeps none).
     */
    default long allTime(CounterKey key) throws StoreException {
        return -1;
    }

    /**
     * One bounded step of adding what the archive held before it kept all-time totals to {@code tenant}'s;
     * true once they are complete (from then on {@link #allTime} answers). {@code thisMonth}: the last month
     * the archive may hold.
     */
    default boolean buildAllTime(String tenant, java.time.YearMonth thisMonth) throws StoreException {
        return true;
    }

    /**
     * Replaces {@code node}'s share of the hours of {@code tenant}'s {@code day} with {@code hours} (counter to
     * counts by hour since the local midnight, {@link io.restycounter.core.log.DayOfMillis#hourOf}), as
     * {@link #replaceShare} does for the day's totals. An archive that keeps no hours ignores it.
     */
    default void replaceHourShare(String node, String tenant, LocalDate day, Map<String, long[]> hours)
            throws StoreException {
    }

    /** The hours of {@code key} on each archived day from {@code from} to {@code to}: 25 counts a day; days without any left out. */
    default SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /**
     * Replaces {@code node}'s share of the fates of {@code tenant}'s {@code day} with {@code fates} (counter
     * to counts indexed by {@link Fate#ordinal()}): afterwards each counter's fates that day are the sum of
     * every node's share, as for counts. A node's share holds the fates its log shows ({@code bot},
     * {@code private}); {@link #LIVE_FATES_NODE}'s the others, from the live counters before they expire.
     */
    default void replaceFates(String node, String tenant, LocalDate day, Map<String, long[]> fates)
            throws StoreException {
    }

    /** The archived fates of {@code key} per day from {@code from} to {@code to}; days without any are left out. */
    default SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /** {@link #fates} of each of {@code counters} of {@code tenant}, in their order, read together where the archive can. */
    default java.util.List<SortedMap<LocalDate, long[]>> fatesRanges(String tenant, java.util.List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        return each(tenant, counters, key -> fates(key, from, to));
    }

    /** What was imported for {@code tenant}'s {@code day}, counter to count; empty when nothing. */
    default SortedMap<String, Long> importedDay(String tenant, LocalDate day) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /** The imported counts of {@code key} from {@code from} to {@code to}; days without an import are left out. */
    default SortedMap<LocalDate, Long> imported(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return new java.util.TreeMap<>();
    }

    /** {@link #imported} of each of {@code counters} of {@code tenant}, in their order, read together where the archive can. */
    default java.util.List<SortedMap<LocalDate, Long>> importedRanges(String tenant, java.util.List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        return each(tenant, counters, key -> imported(key, from, to));
    }

    /**
     * Replaces what was imported for {@code tenant}'s {@code day} with {@code counts} (counter to count; a
     * counter imported before and left out here has no import that day any more): the import is the
     * day's {@link #IMPORT_NODE} share, so totals, all-time totals and the counter index move with it,
     * and it is never marked done nor makes a day complete.
     */
    default void replaceImported(String tenant, LocalDate day, Map<String, Long> counts) throws StoreException {
        throw new UnsupportedOperationException(this + " keeps no imported history");
    }

    @Override
    void close();
}
