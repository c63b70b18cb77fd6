package io.restycounter.core.log;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Maps an instant to its calendar day in one zone. The current day's bounds are cached so the
 * request path computes a day with two comparisons and no allocation.
 */
public final class DayOfMillis {

    private record Span(LocalDate day, long startMillis, long endMillis) {
    }

    /** Hour slots a day may have: 25 when daylight saving ends. */
    public static final int MAX_HOURS = 25;
    private static final long MILLIS_PER_HOUR = 3_600_000;

    private final ZoneId zone;
    private volatile Span span;

    public DayOfMillis(ZoneId zone) {
        this.zone = zone;
        this.span = spanOf(LocalDate.ofInstant(Instant.EPOCH, zone));
    }

    ZoneId zone() {
        return zone;
    }

    public LocalDate dayOf(long epochMillis) {
        Span s = span;
        if (epochMillis >= s.startMillis && epochMillis < s.endMillis) {
            return s.day;
        }
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), zone);
        Span fresh = spanOf(day);
        // Only move forward: a late hit from yesterday must not evict today's span.
        if (fresh.startMillis > s.startMillis) {
            span = fresh;
        }
        return day;
    }

    /**
     * The hour of {@code epochMillis} in its day ({@link #dayOf}): whole hours since the local midnight, 0 to
     * 24, so the repeated hour of a 25-hour day (daylight saving ends) has an index of its own and a 23-hour
     * day has 0 to 22. No allocation while the instant is in the current day.
     */
    public int hourOf(long epochMillis) {
        Span s = span;
        long start = epochMillis >= s.startMillis && epochMillis < s.endMillis ? s.startMillis
                : LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), zone).atStartOfDay(zone).toInstant().toEpochMilli();
        return (int) Math.min(MAX_HOURS - 1, (epochMillis - start) / MILLIS_PER_HOUR);
    }

    private Span spanOf(LocalDate day) {
        long start = day.atStartOfDay(zone).toInstant().toEpochMilli();
        long end = day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
        return new Span(day, start, end);
    }
}
