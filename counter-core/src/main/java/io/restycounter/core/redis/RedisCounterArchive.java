package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The archive in Redis, beside the live counts: hash {@code rca:{tenant}:yyyyMM}, field {@code counter:dd},
 * the day's total; each node's share of a day, hash {@code rca:{tenant}:yyyyMMdd:n:{node}} (counter to
 * count); the nodes whose share of a day is in, set {@code rca:shares:yyyyMMdd}; the tenants with a share
 * that day, set {@code rca:tenants:yyyyMMdd}; the complete days, set {@code rca:days}; the counters of a
 * month in name order, sorted set {@code rcn:{tenant}:yyyyMM}, for prefix queries; the hours of a day,
 * {@code rcah:{tenant}:yyyyMMdd} ({@code RedisArchiveHours}). No expiry.
 * A share is written by a script that moves each total by the change in that node's share, so the
 * totals stay the sum of the shares whatever the order of the nodes and however often each runs; no
 * call handles more than {@value #CHUNK} counters.
 */
public final class RedisCounterArchive implements CounterArchive {

    static final String DAYS_KEY = "rca:days";
    static final int CHUNK = 1000;
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    /**
     * KEYS[1] the node's share of the day, KEYS[2] the month's totals, KEYS[3] the month's counter index,
     * KEYS[4] the tenant's all-time totals, KEYS[5] how far they are built ({@link RedisAllTime}).
     * ARGV[1] the day's field suffix, then counter/count pairs (0: the node no longer counts that counter).
     * Every counter with a count joins the index, even unchanged, so aggregating a day again indexes an
     * archive written before the index existed. A day total that moves moves the all-time total by as
     * much, where that total already holds the day.
     */
    static final String SHARE_SCRIPT = RedisAllTime.COUNTED_IN_TOTALS + """
            local month = string.sub(KEYS[2], -6)
            local suffix = ARGV[1]
            local indexed = {}
            for i = 2, #ARGV, 2 do
              local counter, new = ARGV[i], tonumber(ARGV[i + 1])
              if new ~= 0 then
                indexed[#indexed + 1] = 0
                indexed[#indexed + 1] = counter
              end
              local old = tonumber(redis.call('HGET', KEYS[1], counter) or '0')
              if new ~= old then
                if new == 0 then
                  redis.call('HDEL', KEYS[1], counter)
                else
                  redis.call('HSET', KEYS[1], counter, ARGV[i + 1])
                end
                local field = counter .. suffix
                if redis.call('HINCRBY', KEYS[2], field, string.format('%d', new - old)) == 0 then
                  redis.call('HDEL', KEYS[2], field)
                end
                if counted(month, counter) then
                  if redis.call('HINCRBY', KEYS[4], counter, string.format('%d', new - old)) == 0 then
                    redis.call('HDEL', KEYS[4], counter)
                  end
                end
              end
            end
            if #indexed > 0 then
              redis.call('ZADD', KEYS[3], unpack(indexed))
            end
            return 1
            """;

    private final RedisLink redis;
    private final boolean ownsLink;
    private final RedisAllTime allTime;
    private final RedisArchiveHours hours;

    /** An archive on {@code redis}; it closes the link when {@code ownsLink}. */
    public RedisCounterArchive(RedisLink redis, boolean ownsLink) {
        this.redis = redis;
        this.ownsLink = ownsLink;
        this.allTime = new RedisAllTime(redis, this);
        this.hours = new RedisArchiveHours(redis);
    }

    @Override
    public long allTime(CounterKey key) throws StoreException {
        return allTime.total(key);
    }

    @Override
    public boolean buildAllTime(String tenant, YearMonth thisMonth) throws StoreException {
        return allTime.step(tenant, thisMonth);
    }

    static String monthKey(String tenant, YearMonth month) {
        return "rca:{" + tenant + "}:" + ArchiveMonth.MONTH.format(month);
    }

    static String shareKey(String node, String tenant, LocalDate day) {
        return "rca:{" + tenant + "}:" + DAY.format(day) + ":n:" + node;
    }

    @Override
    public void replaceShare(String node, String tenant, LocalDate day, Map<String, Long> totals) throws StoreException {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        Map<String, Long> changes = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            changes.put(e.getKey(), e.getValue());
        }
        String share = shareKey(node, tenant, day);
        for (String counter : shareCounters(share)) {
            changes.putIfAbsent(counter, 0L);
        }
        String tenantsKey = "rca:tenants:" + DAY.format(day);
        Long first = redis.call("SADD " + tenantsKey, r -> r.sadd(tenantsKey, tenant));
        String month = monthKey(tenant, YearMonth.from(day));
        if (first != null && first == 1 && isAggregated(day)) {
            dropUnsharedTotals(month, day);
        }
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Long> e : changes.entrySet()) {
            if (args.isEmpty()) {
                args.add(ArchiveMonth.daySuffix(day));
            }
            args.add(e.getKey());
            args.add(Long.toString(e.getValue()));
            if (args.size() > 2 * CHUNK) {
                writeShare(share, month, args);
                args.clear();
            }
        }
        if (!args.isEmpty()) {
            writeShare(share, month, args);
        }
    }

    private void writeShare(String share, String month, List<String> args) throws StoreException {
        String tenant = month.substring(month.indexOf('{') + 1, month.indexOf('}'));
        redis.call("archive " + share, r -> r.<Long>eval(SHARE_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {share, month, "rcn" + month.substring(3), RedisAllTime.totalsKey(tenant),
                    RedisAllTime.progressKey(tenant)}, args.toArray(String[]::new)));
    }

    /**
     * A day aggregated before shares existed holds totals no share accounts for: the first share of the
     * tenant's day clears them (in steps), or the shares would be added on top of them.
     */
    private void dropUnsharedTotals(String month, LocalDate day) throws StoreException {
        String suffix = ArchiveMonth.daySuffix(day);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            MapScanCursor<String, String> page = redis.call("HSCAN " + month,
                    r -> r.hscan(month, from, ScanArgs.Builder.matches("*" + suffix).limit(CHUNK)));
            if (!page.getMap().isEmpty()) {
                String[] fields = page.getMap().keySet().toArray(String[]::new);
                allTime.drop(month, fields);
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    /** The counters in a node's share, read in steps of {@value #CHUNK}. */
    private List<String> shareCounters(String share) throws StoreException {
        List<String> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            MapScanCursor<String, String> page = redis.call("HSCAN " + share,
                    r -> r.hscan(share, from, ScanArgs.Builder.limit(CHUNK)));
            out.addAll(page.getMap().keySet());
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    /** The set of nodes that sent live counts for {@code day}; the Redis store adds itself before its first. */
    static String nodesKey(LocalDate day) {
        return "rc:nodes:" + DAY.format(day);
    }

    @Override
    public Set<String> nodesCounted(LocalDate day) throws StoreException {
        String key = nodesKey(day);
        return redis.call("SMEMBERS " + key, r -> r.smembers(key));
    }

    @Override
    public void markShareDone(String node, LocalDate day) throws StoreException {
        String key = "rca:shares:" + DAY.format(day);
        redis.call("SADD " + key, r -> r.sadd(key, node));
    }

    @Override
    public Set<String> sharesDone(LocalDate day) throws StoreException {
        String key = "rca:shares:" + DAY.format(day);
        return redis.call("SMEMBERS " + key, r -> r.smembers(key));
    }

    @Override
    public Set<String> tenants(LocalDate day) throws StoreException {
        String key = "rca:tenants:" + DAY.format(day);
        return redis.call("SMEMBERS " + key, r -> r.smembers(key));
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
    public Set<String> aggregatedDays() throws StoreException {
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

    /** Every counter's HMGET of every month goes out before the first is awaited: a page costs about one round trip. */
    @Override
    public List<SortedMap<LocalDate, Long>> ranges(String tenant, List<String> counters, LocalDate from, LocalDate to)
            throws StoreException {
        List<YearMonth> months = ArchiveMonth.months(from, to);
        RedisClusterAsyncCommands<String, String> async = redis.async();
        List<RedisFuture<List<KeyValue<String, String>>>> sent = new ArrayList<>(counters.size() * months.size());
        for (String counter : counters) {
            for (YearMonth m : months) {
                List<String> fields = new ArrayList<>();
                for (LocalDate d = max(from, m.atDay(1)); !d.isAfter(min(to, m.atEndOfMonth())); d = d.plusDays(1)) {
                    fields.add(ArchiveMonth.field(counter, d));
                }
                sent.add(async.hmget(monthKey(tenant, m), fields.toArray(String[]::new)));
            }
        }
        List<SortedMap<LocalDate, Long>> out = new ArrayList<>(counters.size());
        int next = 0;
        for (int c = 0; c < counters.size(); c++) {
            SortedMap<LocalDate, Long> days = ArchiveMonth.zeros(from, to);
            for (YearMonth m : months) {
                RedisFuture<List<KeyValue<String, String>>> reply = sent.get(next++);
                List<KeyValue<String, String>> values = BatchProtocol.read(redis.where(), "archive read", () -> reply);
                LocalDate d = max(from, m.atDay(1));
                for (KeyValue<String, String> v : values) {
                    days.put(d, v.hasValue() ? ArchiveMonth.parse(v.getValue()) : 0L);
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

    /** One ZRANGEBYLEX ... LIMIT on the month's index {@code rcn:{tenant}:yyyyMM}. */
    @Override
    public List<String> counterPage(String tenant, YearMonth month, String prefix, String after, int limit)
            throws StoreException {
        String index = "rcn" + monthKey(tenant, month).substring(3);
        boolean pastPrefix = after != null && after.compareTo(prefix) >= 0;
        Range<String> names = Range.from(pastPrefix ? Range.Boundary.excluding(after) : Range.Boundary.including(prefix),
                prefix.isEmpty() ? Range.Boundary.unbounded() : Range.Boundary.excluding(prefix + '\u007f'));
        return redis.call("ZRANGEBYLEX " + index, r -> r.zrangebylex(index, names, Limit.create(0, limit)));
    }

    /** Reads the month's hash in steps of {@value #CHUNK} fields, keeping the day's. */
    @Override
    public SortedMap<String, Long> dayTotals(String tenant, LocalDate day) throws StoreException {
        String hash = monthKey(tenant, YearMonth.from(day));
        String suffix = ArchiveMonth.daySuffix(day);
        SortedMap<String, Long> out = new TreeMap<>();
        ScanArgs args = ScanArgs.Builder.limit(CHUNK).match("*" + suffix);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            MapScanCursor<String, String> page = redis.call("HSCAN " + hash, r -> r.hscan(hash, from, args));
            for (Map.Entry<String, String> e : page.getMap().entrySet()) {
                String field = e.getKey();
                long total = ArchiveMonth.parse(e.getValue());
                if (field.endsWith(suffix) && total != 0) {
                    out.put(field.substring(0, field.length() - suffix.length()), total);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    /** {@inheritDoc} Hashes {@code rcah:{tenant}:yyyyMMdd} ({@code RedisArchiveHours}). */
    @Override
    public void replaceHourShare(String node, String tenant, LocalDate day, Map<String, long[]> byCounter)
            throws StoreException {
        hours.replaceShare(node, tenant, day, byCounter);
    }

    @Override
    public SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return hours.read(key, from, to);
    }

    @Override
    public void close() {
        if (ownsLink) {
            redis.close();
        }
    }

    @Override
    public String toString() {
        return "the archive in " + redis;
    }
}
