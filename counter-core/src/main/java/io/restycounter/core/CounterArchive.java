package io.restycounter.core;

import java.time.LocalDate;
import java.util.Map;
import java.util.SortedMap;

/**
 * Daily totals of closed days, aggregated from the logs ({@link io.restycounter.core.report.Aggregator}), kept for good: the
 * {@code {aggregated log data}} half of a count. One record per tenant and month; a day is written
 * whole, replacing what an earlier run wrote for it, so aggregating a day twice gives the same totals.
 */
public interface CounterArchive extends AutoCloseable {

    /**
     * Replaces every total {@code tenant} has on {@code day} with {@code totals} (counter to count).
     * A counter not in {@code totals} has no total that day afterwards.
     */
    void replaceDay(String tenant, LocalDate day, Map<String, Long> totals) throws StoreException;

    /** Records that {@code day} was aggregated from every node's logs. */
    void markAggregated(LocalDate day) throws StoreException;

    boolean isAggregated(LocalDate day) throws StoreException;

    /** Every day aggregated so far, as {@code yyyy-MM-dd}. */
    java.util.Set<String> aggregatedDays() throws StoreException;

    /** Whether every day from {@code from} to {@code to} was aggregated. */
    default boolean allAggregated(LocalDate from, LocalDate to) throws StoreException {
        java.util.Set<String> days = aggregatedDays();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            if (!days.contains(d.toString())) {
                return false;
            }
        }
        return true;
    }

    /** Totals of {@code key} for every day from {@code from} to {@code to}, both included; 0 where none. */
    SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException;

    /**
     * Every counter of {@code tenant} whose name starts with {@code prefix} (empty: all) with its totals
     * from {@code from} to {@code to}; only counters with a total in that range are listed.
     */
    SortedMap<String, SortedMap<LocalDate, Long>> byPrefix(String tenant, String prefix, LocalDate from, LocalDate to)
            throws StoreException;

    @Override
    void close();
}
