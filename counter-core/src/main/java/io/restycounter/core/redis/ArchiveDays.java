package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.Fate;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Reads of the archive's month hashes (field {@code counter:dd}) for a page of counters at once. */
final class ArchiveDays {

    private final RedisLink redis;

    ArchiveDays(RedisLink redis) {
        this.redis = redis;
    }

    /** Fields one HMGET asks for at most: a call that holds Redis well under a millisecond. */
    static final int FIELDS_PER_CALL = 4000;

    /**
     * Each counter's field of each day from {@code from} to {@code to} in the month hashes {@code hash} names;
     * days without a field are 0 ({@code zeros}) or left out.
     */
    List<SortedMap<LocalDate, Long>> read(String tenant, List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash, boolean zeros) throws StoreException {
        List<SortedMap<LocalDate, Long>> out = new ArrayList<>(counters.size());
        for (SortedMap<LocalDate, long[]> days : read(counters, from, to, hash, 1, (c, d, i) -> ArchiveMonth.field(c, d))) {
            SortedMap<LocalDate, Long> counts = zeros ? ArchiveMonth.zeros(from, to) : new TreeMap<>();
            days.forEach((d, v) -> counts.put(d, v[0]));
            out.add(counts);
        }
        return out;
    }

    /** Each counter's fates of each day, from the month hashes {@code hash} names; days without any left out. */
    List<SortedMap<LocalDate, long[]>> fates(List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash) throws StoreException {
        List<SortedMap<LocalDate, long[]>> out = read(counters, from, to, hash, Fate.COUNT,
                (c, d, i) -> ArchiveMonth.field(ArchiveMonth.fateField(c, Fate.ALL.get(i)), d));
        out.forEach(days -> days.values().removeIf(Fate::none));
        return out;
    }

    /**
     * Each counter's sum of its days from {@code from} to {@code to} in the month hashes {@code hash} names,
     * without building its days. Where a month keeps its counters' month totals ({@link ArchiveScripts})
     * and the range holds most of it, a counter's share of the month is its month total less the month's
     * days outside the range: a 26-day range reads 5 fields a counter instead of 26.
     */
    long[] totals(List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash) throws StoreException {
        long[] totals = new long[counters.size()];
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            LocalDate start = max(from, m.atDay(1));
            LocalDate end = min(to, m.atEndOfMonth());
            int inside = (int) (end.toEpochDay() - start.toEpochDay() + 1);
            List<LocalDate> outside = new ArrayList<>();
            for (LocalDate d = m.atDay(1); !d.isAfter(m.atEndOfMonth()); d = d.plusDays(1)) {
                if (d.isBefore(start) || d.isAfter(end)) {
                    outside.add(d);
                }
            }
            String key = hash.apply(m);
            if (outside.size() + 1 < inside && keepsTotals(key)) {
                read(counters, start, start, x -> key, 1 + outside.size(),
                        (c, d, i) -> i == 0 ? c + ":t" : ArchiveMonth.field(c, outside.get(i - 1)),
                        (c, day, v) -> {
                            totals[c] += v[0];
                            for (int i = 1; i < v.length; i++) {
                                totals[c] -= v[i];
                            }
                        });
            } else {
                read(counters, start, end, x -> key, 1, (c, d, i) -> ArchiveMonth.field(c, d),
                        (c, day, v) -> totals[c] += v[0]);
            }
        }
        return totals;
    }

    private boolean keepsTotals(String month) throws StoreException {
        return Boolean.TRUE.equals(redis.call("HEXISTS " + month, r -> r.hexists(month, ArchiveScripts.TOTALS_KEPT)));
    }

    /** The name of value {@code i} of {@code counter} on {@code day}. */
    @FunctionalInterface
    private interface Field {
        String of(String counter, LocalDate day, int i);
    }

    /**
     * {@code values} numbers per counter and day: per month one HMGET of many counters' days (at most
     * {@value #FIELDS_PER_CALL} fields), every HMGET sent before the first is awaited; days whose values are
     * all missing are left out.
     */
    private List<SortedMap<LocalDate, long[]>> read(List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash, int values, Field field) throws StoreException {
        List<SortedMap<LocalDate, long[]>> out = new ArrayList<>(counters.size());
        for (int c = 0; c < counters.size(); c++) {
            out.add(new TreeMap<>());
        }
        read(counters, from, to, hash, values, field, (c, day, v) -> out.get(c).put(day, v));
        return out;
    }

    /** What a read found: the values of counter {@code c} (its index) on {@code day}. */
    @FunctionalInterface
    private interface Found {
        void accept(int c, LocalDate day, long[] values);
    }

    private void read(List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash, int values, Field field, Found found)
            throws StoreException {
        RedisClusterAsyncCommands<String, String> async = redis.async();
        record Call(int first, int count, LocalDate start, int days, RedisFuture<List<KeyValue<String, String>>> reply) {
        }
        List<Call> sent = new ArrayList<>();
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            LocalDate start = max(from, m.atDay(1));
            int days = (int) (min(to, m.atEndOfMonth()).toEpochDay() - start.toEpochDay() + 1);
            int step = Math.max(1, FIELDS_PER_CALL / (days * values));
            for (int first = 0; first < counters.size(); first += step) {
                int count = Math.min(step, counters.size() - first);
                String[] fields = new String[count * days * values];
                int f = 0;
                for (int c = 0; c < count; c++) {
                    for (int d = 0; d < days; d++) {
                        for (int i = 0; i < values; i++) {
                            fields[f++] = field.of(counters.get(first + c), start.plusDays(d), i);
                        }
                    }
                }
                sent.add(new Call(first, count, start, days, async.hmget(hash.apply(m), fields)));
            }
        }
        for (Call call : sent) {
            List<KeyValue<String, String>> reply = BatchProtocol.read(redis.where(), "archive read", call::reply);
            int f = 0;
            for (int c = 0; c < call.count; c++) {
                for (int d = 0; d < call.days; d++) {
                    long[] v = new long[values];
                    boolean any = false;
                    for (int i = 0; i < values; i++, f++) {
                        if (reply.get(f).hasValue()) {
                            v[i] = ArchiveMonth.parse(reply.get(f).getValue());
                            any = true;
                        }
                    }
                    if (any) {
                        found.accept(call.first + c, call.start.plusDays(d), v);
                    }
                }
            }
        }
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }
}
