package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
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

    /**
     * Each counter's field of each day from {@code from} to {@code to} in the month hashes {@code hash} names,
     * every HMGET sent before the first is awaited; days without a field are 0 ({@code zeros}) or left out.
     */
    List<SortedMap<LocalDate, Long>> read(String tenant, List<String> counters, LocalDate from, LocalDate to,
            java.util.function.Function<YearMonth, String> hash, boolean zeros) throws StoreException {
        List<YearMonth> months = ArchiveMonth.months(from, to);
        RedisClusterAsyncCommands<String, String> async = redis.async();
        List<RedisFuture<List<KeyValue<String, String>>>> sent = new ArrayList<>(counters.size() * months.size());
        for (String counter : counters) {
            for (YearMonth m : months) {
                List<String> fields = new ArrayList<>();
                for (LocalDate d = max(from, m.atDay(1)); !d.isAfter(min(to, m.atEndOfMonth())); d = d.plusDays(1)) {
                    fields.add(ArchiveMonth.field(counter, d));
                }
                sent.add(async.hmget(hash.apply(m), fields.toArray(String[]::new)));
            }
        }
        List<SortedMap<LocalDate, Long>> out = new ArrayList<>(counters.size());
        int next = 0;
        for (int c = 0; c < counters.size(); c++) {
            SortedMap<LocalDate, Long> days = zeros ? ArchiveMonth.zeros(from, to) : new TreeMap<>();
            for (YearMonth m : months) {
                RedisFuture<List<KeyValue<String, String>>> reply = sent.get(next++);
                List<KeyValue<String, String>> values = BatchProtocol.read(redis.where(), "archive read", () -> reply);
                LocalDate d = max(from, m.atDay(1));
                for (KeyValue<String, String> v : values) {
                    if (v.hasValue() || zeros) {
                        days.put(d, v.hasValue() ? ArchiveMonth.parse(v.getValue()) : 0L);
                    }
                    d = d.plusDays(1);
                }
            }
            out.add(days);
        }
        return out;
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }
}
