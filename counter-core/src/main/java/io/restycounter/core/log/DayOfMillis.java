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

    private Span spanOf(LocalDate day) {
        long start = day.atStartOfDay(zone).toInstant().toEpochMilli();
        long end = day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
        return new Span(day, start, end);
    }
}
