package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.time.LocalDate;

/**
 * A counter's all-time total: the archive's kept total ({@link io.restycounter.core.CounterArchive#allTime})
 * with the days since the last complete one read live in place of what the archive holds of them so far:
 * a handful of reads whatever the counter's age and however long the store keeps days.
 * Until the archive keeps the tenant's totals (its first build runs with the next daily aggregation), the
 * sum of what one query may reach, {@code MAX_RANGE_DAYS} ending today, marked not {@code complete}.
 *
 * @param complete false when the total is only that of the last MAX_RANGE_DAYS
 */
record AllTime(long total, boolean complete) {

    static final String PARAMETER = "all_time";

    static AllTime of(CounterEngine engine, CounterKey key) throws StoreException {
        LocalDate today = engine.today(key.tenant());
        LocalDate liveFrom = engine.liveFrom(key.tenant());
        long archived = engine.archive().allTime(key);
        if (archived < 0) {
            LocalDate from = today.minusDays(engine.config().maxRangeDays() - 1L);
            return new AllTime(Series.of(engine, key, from, today, liveFrom).total(), false);
        }
        // The days since the last complete one (usually yesterday and today) count from the store, in
        // place of what the archive may hold of them so far, with what was imported for them; a complete
        // day counts as archived.
        LocalDate first = today;
        while (first.isAfter(liveFrom) && !engine.archive().isAggregated(first.minusDays(1))) {
            first = first.minusDays(1);
        }
        long total = archived;
        for (long v : engine.archive().range(key, first, today).values()) {
            total -= v;
        }
        for (long v : engine.counts(key, first, today).values()) {
            total += v;
        }
        for (long v : engine.archive().imported(key, first, today).values()) {
            total += v;
        }
        return new AllTime(total, true);
    }

    /** Whether a range query asks for {@code all_time=true}; a value other than true or false is a bad parameter. */
    static boolean requested(String rawQuery) throws Paging.BadParameter {
        String v = PathSegments.queryParam(rawQuery, PARAMETER);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (!v.equals("true")) {
            throw new Paging.BadParameter(PARAMETER, "expected true or false");
        }
        return true;
    }

    void writeTo(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
        g.writeNumberField(PARAMETER, total);
        if (!complete) {
            g.writeBooleanField("all_time_complete", false);
        }
    }
}
