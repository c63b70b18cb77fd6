package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.UniqueVisitors;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One counter's counts over a range, as a query answers them: archived days from the archive, the others
 * live, with the range's total and, where the store keeps them, its unique visitors and the fates of its
 * days ({@code uniques} and {@code fates} are null before {@link #withUniques}).
 */
record Series(String counter, long total, SortedMap<LocalDate, Long> counts, LocalDate liveFrom,
        SortedMap<LocalDate, Long> imported, UniqueVisitors uniques, SortedMap<LocalDate, long[]> fates) {

    Series(String counter, long total, SortedMap<LocalDate, Long> counts, LocalDate liveFrom,
            SortedMap<LocalDate, Long> imported) {
        this(counter, total, counts, liveFrom, imported, null, null);
    }

    /** Where {@code day}'s count comes from: {@code import}, {@code archive} or {@code live}. */
    String source(LocalDate day) {
        return imported.containsKey(day) ? "import" : day.isBefore(liveFrom) ? "archive" : "live";
    }


    /**
     * Each of {@code page} with its unique visitors (UNIQUES_KEEP_DAYS back) and the fates of its days
     * (archived days from the archive, live days from the store), read for the series shown only and for
     * all of them together: a few round trips a page, not a few a counter.
     */
    static List<Series> withUniques(CounterEngine engine, List<Series> page, String tenant, LocalDate from,
            LocalDate to) throws StoreException {
        if (page.isEmpty()) {
            return page;
        }
        List<String> counters = new ArrayList<>(page.size());
        page.forEach(s -> counters.add(s.counter));
        LocalDate liveFrom = page.get(0).liveFrom;
        List<SortedMap<LocalDate, long[]>> archived = from.isBefore(liveFrom)
                ? engine.archive().fatesRanges(tenant, counters, from, min(to, liveFrom.minusDays(1))) : null;
        List<SortedMap<LocalDate, long[]>> live = to.isBefore(liveFrom) ? null
                : engine.store().fatesRanges(tenant, counters, max(from, liveFrom), to);
        LocalDate kept = engine.uniquesFrom(tenant);
        List<UniqueVisitors> uniques = to.isBefore(kept) ? null
                : engine.store().uniquesRanges(tenant, counters, max(from, kept), to);
        List<Series> out = new ArrayList<>(page.size());
        for (int i = 0; i < page.size(); i++) {
            Series s = page.get(i);
            SortedMap<LocalDate, long[]> fates = new TreeMap<>();
            if (archived != null) {
                fates.putAll(archived.get(i));
            }
            if (live != null) {
                fates.putAll(live.get(i));
            }
            out.add(new Series(s.counter, s.total, s.counts, s.liveFrom, s.imported,
                    uniques == null ? null : uniques.get(i), fates));
        }
        return out;
    }

    /**
     * {@code key}'s counts from {@code from} to {@code to}: archived days from the archive, the others live;
     * imported history is in the archive's days, and added to a live day's.
     */
    static Series of(CounterEngine engine, CounterKey key, LocalDate from, LocalDate to, LocalDate liveFrom)
            throws StoreException {
        return of(engine, key.tenant(), List.of(key.counter()), from, to, liveFrom).get(0);
    }

    /** {@link #of} for several counters of one tenant, their days read together. */
    static List<Series> of(CounterEngine engine, String tenant, List<String> counters, LocalDate from, LocalDate to,
            LocalDate liveFrom) throws StoreException {
        List<SortedMap<LocalDate, Long>> imported = engine.archive().importedRanges(tenant, counters, from, to);
        List<SortedMap<LocalDate, Long>> archived = from.isBefore(liveFrom)
                ? engine.archive().ranges(tenant, counters, from, min(to, liveFrom.minusDays(1))) : null;
        List<SortedMap<LocalDate, Long>> live = to.isBefore(liveFrom) ? null
                : engine.store().ranges(tenant, counters, max(from, liveFrom), to);
        List<Series> out = new ArrayList<>(counters.size());
        for (int i = 0; i < counters.size(); i++) {
            SortedMap<LocalDate, Long> counts = new TreeMap<>();
            if (archived != null) {
                counts.putAll(archived.get(i));
            }
            if (live != null) {
                SortedMap<LocalDate, Long> imports = imported.get(i);
                live.get(i).forEach((d, v) -> counts.put(d, v + imports.getOrDefault(d, 0L)));
            }
            long total = 0;
            for (long v : counts.values()) {
                total += v;
            }
            out.add(new Series(counters.get(i), total, counts, liveFrom, imported.get(i)));
        }
        return out;
    }

    /**
     * Each counter's total as {@link #of} gives it, without reading its days into maps: what {@code sort=total}
     * ranks among thousands of candidates before it reads the days of the few it lists.
     */
    static long[] totals(CounterEngine engine, String tenant, List<String> counters, LocalDate from, LocalDate to,
            LocalDate liveFrom) throws StoreException {
        long[] totals = from.isBefore(liveFrom)
                ? engine.archive().totals(tenant, counters, from, min(to, liveFrom.minusDays(1)))
                : new long[counters.size()];
        if (!to.isBefore(liveFrom)) {
            LocalDate start = max(from, liveFrom);
            List<SortedMap<LocalDate, Long>> live = engine.store().ranges(tenant, counters, start, to);
            List<SortedMap<LocalDate, Long>> imported = engine.archive().importedRanges(tenant, counters, start, to);
            for (int i = 0; i < totals.length; i++) {
                for (long v : live.get(i).values()) {
                    totals[i] += v;
                }
                for (long v : imported.get(i).values()) {
                    totals[i] += v;
                }
            }
        }
        return totals;
    }

    static void write(JsonGenerator g, Series s) throws IOException {
        write(g, s, null, null);
    }

    /** As {@link #write(JsonGenerator, Series)}, each day with its {@code hours} in {@code zone} when not null ({@link Hourly}). */
    static void write(JsonGenerator g, Series s, SortedMap<LocalDate, long[]> hours, java.time.ZoneId zone)
            throws IOException {
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
            if (u != null && u.has(e.getKey()) && !s.imported.containsKey(e.getKey())) { // an import has no visitors
                g.writeNumberField("uniques", u.days().get(e.getKey()));
            }
            g.writeStringField("source", s.source(e.getKey()));
            if (hours != null) {
                Hourly.writeDay(g, e.getKey(), hours.get(e.getKey()), zone);
            }
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
