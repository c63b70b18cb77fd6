package io.restycounter.core.redis;

import io.lettuce.core.ScriptOutputType;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The archive in Redis, beside the live counts: hash {@code rca:{tenant}:yyyyMM}, field {@code counter:dd},
 * no expiry; the days aggregated are the set {@code rca:days}. A day is replaced by one script, atomically.
 */
public final class RedisCounterArchive implements CounterArchive {

    static final String DAYS_KEY = "rca:days";

    /** KEYS[1] month hash. ARGV[1] the day's field suffix, then field/value pairs. */
    static final String REPLACE_SCRIPT = """
            local suffix = ARGV[1]
            for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
              if string.sub(f, -#suffix) == suffix then
                redis.call('HDEL', KEYS[1], f)
              end
            end
            for i = 2, #ARGV, 2 do
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            return 1
            """;

    private final RedisLink redis;
    private final boolean ownsLink;

    /** An archive on {@code redis}; it closes the link when {@code ownsLink}. */
    public RedisCounterArchive(RedisLink redis, boolean ownsLink) {
        this.redis = redis;
        this.ownsLink = ownsLink;
    }

    static String monthKey(String tenant, YearMonth month) {
        return "rca:{" + tenant + "}:" + ArchiveMonth.MONTH.format(month);
    }

    @Override
    public void replaceDay(String tenant, LocalDate day, Map<String, Long> totals) throws StoreException {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        List<String> args = new ArrayList<>();
        args.add(ArchiveMonth.daySuffix(day));
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            if (e.getValue() != 0) {
                args.add(ArchiveMonth.field(e.getKey(), day));
                args.add(Long.toString(e.getValue()));
            }
        }
        String key = monthKey(tenant, YearMonth.from(day));
        redis.call("archive " + key, r -> r.<Long>eval(REPLACE_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {key}, args.toArray(String[]::new)));
    }

    @Override
    public void markAggregated(LocalDate day) throws StoreException {
        redis.call("mark " + day, r -> r.sadd(DAYS_KEY, day.toString()));
    }

    @Override
    public boolean isAggregated(LocalDate day) throws StoreException {
        return redis.call("read " + DAYS_KEY, r -> r.sismember(DAYS_KEY, day.toString()));
    }

    @Override
    public java.util.Set<String> aggregatedDays() throws StoreException {
        return redis.call("read " + DAYS_KEY, r -> r.smembers(DAYS_KEY));
    }

    @Override
    public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        SortedMap<LocalDate, Long> out = ArchiveMonth.zeros(from, to);
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            List<LocalDate> days = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            for (LocalDate d : out.subMap(m.atDay(1), m.atEndOfMonth().plusDays(1)).keySet()) {
                days.add(d);
                fields.add(ArchiveMonth.field(key.counter(), d));
            }
            String hash = monthKey(key.tenant(), m);
            var values = redis.call("read " + hash, r -> r.hmget(hash, fields.toArray(String[]::new)));
            for (int i = 0; i < days.size(); i++) {
                out.put(days.get(i), values.get(i).hasValue() ? ArchiveMonth.parse(values.get(i).getValue()) : 0L);
            }
        }
        return out;
    }

    @Override
    public SortedMap<String, SortedMap<LocalDate, Long>> byPrefix(String tenant, String prefix, LocalDate from,
            LocalDate to) throws StoreException {
        SortedMap<String, SortedMap<LocalDate, Long>> out = new TreeMap<>();
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            String hash = monthKey(tenant, m);
            Map<String, String> fields = redis.call("read " + hash, r -> r.hgetall(hash));
            ArchiveMonth.collect(m, fields, prefix, from, to, out);
        }
        return out;
    }

    @Override
    public void close() {
        if (ownsLink) {
            redis.close();
        }
    }

    @Override
    public String toString() {
        return "redis at " + redis;
    }
}
