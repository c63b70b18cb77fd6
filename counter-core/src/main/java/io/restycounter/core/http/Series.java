package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.UniqueVisitors;
import java.io.IOException;
import java.time.LocalDate;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One counter's counts over a range, as a query answers them: archived days from the archive, the others
 * live, with the range's total and, where the store keeps them, its unique visitors and the fates of its
 * live days ({@code uniques} and {@code fates} are null before {@link #withUniques}).
 */
record Series(String counter, long total, SortedMap<LocalDate, Long> counts, LocalDate liveFrom,
        UniqueVisitors uniques, SortedMap<LocalDate, long[]> fates) {

    Series(String counter, long total, SortedMap<LocalDate, Long> counts, LocalDate liveFrom) {
        this(counter, total, counts, liveFrom, null, null);
    }


    /**
     * {@code s} with its unique visitors (UNIQUES_KEEP_DAYS back) and the fates of its live days, read for
     * the series shown only.
     */
    static Series withUniques(CounterEngine engine, Series s, String tenant, LocalDate from, LocalDate to)
            throws StoreException {
        CounterKey key = new CounterKey(tenant, s.counter);
        SortedMap<LocalDate, long[]> fates = to.isBefore(s.liveFrom) ? null
                : engine.fates(key, max(from, s.liveFrom), to);
        LocalDate kept = engine.uniquesFrom(tenant);
        UniqueVisitors u = to.isBefore(kept) ? null : engine.uniques(key, max(from, kept), to);
        return new Series(s.counter, s.total, s.counts, s.liveFrom, u, fates);
    }

    /** {@code key}'s counts from {@code from} to {@code to}: archived days from the archive, the others live. */
    static Series of(CounterEngine engine, CounterKey key, LocalDate from, LocalDate to, LocalDate liveFrom)
            throws StoreException {
        SortedMap<LocalDate, Long> counts = new TreeMap<>();
        if (from.isBefore(liveFrom)) {
            counts.putAll(engine.archive().range(key, from, min(to, liveFrom.minusDays(1))));
        }
        if (!to.isBefore(liveFrom)) {
            counts.putAll(engine.counts(key, max(from, liveFrom), to));
        }
        long total = 0;
        for (long v : counts.values()) {
            total += v;
        }
        return new Series(key.counter(), total, counts, liveFrom);
    }

    static void write(JsonGenerator g, Series s) throws IOException {
        g.writeNumberField("total", s.total);
        FatesJson.writeTotal(g, s.fates);
        UniqueVisitors u = s.uniques;
        if (u != null && !u.days().isEmpty()) {
            g.writeNumberField("uniques", u.total());
            if (s.counts.firstKey().isBefore(u.days().firstKey())) {
                g.writeStringField("uniques_from", u.days().firstKey().toString()); // older days keep no uniques
            }
        }
        g.writeArrayFieldStart("days");
        for (Map.Entry<LocalDate, Long> e : s.counts.entrySet()) {
            g.writeStartObject();
            g.writeStringField("day", e.getKey().toString());
            g.writeNumberField("count", e.getValue());
            FatesJson.write(g, s.fates == null ? null : s.fates.get(e.getKey()));
            if (u != null && u.has(e.getKey())) {
                g.writeNumberField("uniques", u.days().get(e.getKey()));
            }
            g.writeStringField("source", e.getKey().isBefore(s.liveFrom) ? "archive" : "live");
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }
}
