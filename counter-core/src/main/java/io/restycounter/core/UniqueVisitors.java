package io.restycounter.core;

import java.time.LocalDate;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Estimated unique visitors of one counter over a range of days (HyperLogLog, about 0.8% standard
 * error). {@code days} holds each day's own uniques; {@code total} is the range's: within one
 * {@link UniquesPeriod} the union of its days (a visitor seen on three days of one week, with
 * {@code week}, is one), and across periods the sum of each period's union (a visitor who returns in
 * another period counts again, since no one can tell that it is the same person).
 */
public record UniqueVisitors(SortedMap<LocalDate, Long> days, long total) {

    /** No store that keeps uniques: no day, total 0. */
    public static final UniqueVisitors NONE = new UniqueVisitors(new TreeMap<>(), 0);

    public UniqueVisitors {
        days = Collections.unmodifiableSortedMap(new TreeMap<>(days));
    }

    /** Whether the store kept uniques for {@code day}. */
    public boolean has(LocalDate day) {
        return days.containsKey(day);
    }
}
