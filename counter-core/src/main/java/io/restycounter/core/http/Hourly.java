package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.log.DayOfMillis;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code granularity=hour} on a range of one counter: each day of the answer also lists its hours, in the
 * zone of the day, as {@code "hours":[{"hour":"2026-11-29T00:00+01:00","count":3},...]}, one entry per hour
 * the day has (23 or 25 on a daylight-saving day; the repeated hour differs by its offset). Live days come
 * from the store, archived days from the archive. CSV: one row per hour, {@code counter,hour,count,source}.
 */
final class Hourly {

    static final String PARAMETER = "granularity";
    /** Days an hourly answer covers at most: 31 days of 25 hours is 775 entries. */
    static final int MAX_DAYS = 31;
    static final String CSV_HEADER = "counter,hour,count,source";
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mmXXX");

    private Hourly() {
    }

    /**
     * Whether {@code granularity=hour} is asked for (absent or {@code day}: false), for a range of the path's
     * counter ({@code pathCounter}, null for a multi-counter query) of at most {@value #MAX_DAYS} days.
     */
    static boolean requested(String rawQuery, String pathCounter, LocalDate from, LocalDate to)
            throws Paging.BadParameter {
        String g = PathSegments.queryParam(rawQuery, PARAMETER);
        if (g == null || g.equals("day")) {
            return false;
        }
        if (!g.equals("hour")) {
            throw new Paging.BadParameter(PARAMETER, "expected day or hour, got \""
                    + (g == PathSegments.MALFORMED ? "" : g.substring(0, Math.min(g.length(), 32))) + "\"");
        }
        if (pathCounter == null) {
            throw new Paging.BadParameter(PARAMETER, "hour is answered for one counter: /p-query/{tenant}/{counter}");
        }
        long days = ChronoUnit.DAYS.between(from, to) + 1;
        if (days > MAX_DAYS) {
            throw new Paging.BadParameter("from", "granularity=hour covers at most " + MAX_DAYS + " days, got " + days);
        }
        return true;
    }

    /** Whether the query names a granularity at all: it asks for a series then, as {@code from} does. */
    static boolean named(String rawQuery) {
        return PathSegments.queryParam(rawQuery, PARAMETER) != null;
    }

    /** The zone whose days and hours {@code tenant}'s answers use: its {@code time-zone}, else TIMEZONE. */
    static ZoneId zone(CounterEngine engine, String tenant) {
        return engine.calendar().zoneOf(tenant);
    }

    /** The hours of {@code key} per day: archived days from the archive, the others live; days without any left out. */
    static SortedMap<LocalDate, long[]> of(CounterEngine engine, CounterKey key, LocalDate from, LocalDate to,
            LocalDate liveFrom) throws StoreException {
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        if (from.isBefore(liveFrom)) {
            out.putAll(engine.archive().hours(key, from, Series.min(to, liveFrom.minusDays(1))));
        }
        if (!to.isBefore(liveFrom)) {
            out.putAll(engine.store().hours(key, Series.max(from, liveFrom), to));
        }
        return out;
    }

    /** How many hours {@code day} has in {@code zone}: 24, or 23 and 25 on daylight-saving days. */
    static int hoursIn(LocalDate day, ZoneId zone) {
        long millis = ChronoUnit.MILLIS.between(day.atStartOfDay(zone), day.plusDays(1).atStartOfDay(zone));
        return (int) Math.min(DayOfMillis.MAX_HOURS, (millis + 3_599_999) / 3_600_000);
    }

    /** The start of hour {@code index} of {@code day}, ISO with its offset: {@code 2026-10-25T02:00+01:00}. */
    static String label(LocalDate day, int index, ZoneId zone) {
        ZonedDateTime start = day.atStartOfDay(zone).plusHours(index);
        return HOUR.format(start);
    }

    /** Writes the field {@code "hours"} of one day: every hour it has, 0 where none. */
    static void writeDay(JsonGenerator g, LocalDate day, long[] hours, ZoneId zone) throws IOException {
        g.writeArrayFieldStart("hours");
        for (int h = 0, n = hoursIn(day, zone); h < n; h++) {
            g.writeStartObject();
            g.writeStringField("hour", label(day, h, zone));
            g.writeNumberField("count", hours == null ? 0 : hours[h]);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The CSV answer: the header row, then one row per hour of each day (775 rows at most, read first). */
    static CounterQuery.Answer csv(CounterEngine engine, CounterKey key, LocalDate from, LocalDate to,
            LocalDate liveFrom) throws StoreException {
        ZoneId zone = zone(engine, key.tenant());
        SortedMap<LocalDate, long[]> hours = of(engine, key, from, to, liveFrom);
        Map<String, String> headers = Map.of("Content-Disposition", "attachment; filename=\"" + key.tenant() + "-"
                + key.counter() + "-" + from + "-" + to + "-hours.csv\"");
        return new CounterQuery.Answer(200, CsvExport.CONTENT_TYPE, "", headers, stream -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            w.write(CSV_HEADER);
            w.write("\r\n");
            String counter = CsvExport.cell(key.counter());
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                long[] counts = hours.get(d);
                String source = d.isBefore(liveFrom) ? "archive" : "live";
                for (int h = 0, n = hoursIn(d, zone); h < n; h++) {
                    w.write(counter + "," + label(d, h, zone) + "," + (counts == null ? 0 : counts[h]) + "," + source
                            + "\r\n");
                }
            }
            w.flush();
        });
    }
}
