package io.restycounter.core.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
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
import java.util.TreeSet;

/**
 * The archive in Redis, beside the live counts: hash {@code rca:{tenant}:yyyyMM}, field {@code counter:dd},
 * the day's total; each node's share of a day, hash {@code rca:{tenant}:yyyyMMdd:n:{node}} (counter to
 * count); the nodes whose share of a day is in, set {@code rca:shares:yyyyMMdd}; the tenants with a share
 * that day, set {@code rca:tenants:yyyyMMdd}; the complete days, set {@code rca:days}; the counters of a
 * month in name order, sorted set {@code rcn:{tenant}:yyyyMM}, for prefix queries; the hours of a day,
 * {@code rcah:{tenant}:yyyyMMdd} ({@code RedisArchiveHours}); fates and imported history beside them
 * ({@link ArchiveScripts}). No expiry.
 * A share is written by a script that moves each total by the change in that node's share, so the
 * totals stay the sum of the shares whatever the order of the nodes and however often each runs; no
 * call handles more than {@value #CHUNK} counters.
 */
public final class RedisCounterArchive implements CounterArchive {

    static final String DAYS_KEY = "rca:days";
    static final int CHUNK = 1000;
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final RedisLink redis;
    private final ArchiveDays days;
    private final boolean ownsLink;
    private final RedisAllTime allTime;
    private final RedisArchiveHours hours;

    /** An archive on {@code redis}; it closes the link when {@code ownsLink}. */
    public RedisCounterArchive(RedisLink redis, boolean ownsLink) {
        this.redis = redis;
        this.days = new ArchiveDays(redis);
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
        redis.call("archive " + share, r -> r.<Long>eval(ArchiveScripts.SHARE, ScriptOutputType.INTEGER,
                new String[] {share, month, "rcn" + month.substring(3), RedisAllTime.totalsKey(tenant),
                    RedisAllTime.progressKey(tenant)}, args.toArray(String[]::new)));
    }

    @Override
    public void replaceFates(String node, String tenant, LocalDate day, Map<String, long[]> fates) throws StoreException {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        Map<String, Long> changes = new LinkedHashMap<>(ArchiveMonth.fateFields(fates));
        String share = "rca:{" + tenant + "}:" + DAY.format(day) + ":f:" + node;
        for (String field : shareCounters(share)) {
            changes.putIfAbsent(field, 0L);
        }
        String[] keys = {share, monthKey(tenant, YearMonth.from(day)) + ":f"};
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Long> e : changes.entrySet()) {
            if (args.isEmpty()) {
                args.add(ArchiveMonth.daySuffix(day));
            }
            args.add(e.getKey());
            args.add(Long.toString(e.getValue()));
            if (args.size() > 2 * CHUNK) {
                evalFates(share, keys, args);
            }
        }
        if (!args.isEmpty()) {
            evalFates(share, keys, args);
        }
    }

    private void evalFates(String share, String[] keys, List<String> args) throws StoreException {
        String[] argv = args.toArray(String[]::new);
        redis.call("archive fates " + share, r -> r.<Long>eval(ArchiveScripts.MOVE_FIELDS, ScriptOutputType.INTEGER, keys, argv));
        args.clear();
    }

    /** Per month one HMGET on {@code rca:{tenant}:yyyyMM:f} of every fate of every day asked for. */
    @Override
    public SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return fatesRanges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    @Override
    public List<SortedMap<LocalDate, long[]>> fatesRanges(String tenant, List<String> counters, LocalDate from,
            LocalDate to) throws StoreException {
        return days.fates(counters, from, to, m -> monthKey(tenant, m) + ":f");
    }

    static String importsKey(String tenant, YearMonth month) {
        return monthKey(tenant, month) + ":imp";
    }

    /** One HGETALL of the day's import share, which holds no more than the files imported. */
    @Override
    public SortedMap<String, Long> importedDay(String tenant, LocalDate day) throws StoreException {
        String share = shareKey(IMPORT_NODE, tenant, day);
        SortedMap<String, Long> out = new TreeMap<>();
        redis.call("HGETALL " + share, r -> r.hgetall(share)).forEach((c, v) -> out.put(c, ArchiveMonth.parse(v)));
        return out;
    }

    /** One HMGET a month on {@code rca:{tenant}:yyyyMM:imp}. */
    @Override
    public SortedMap<LocalDate, Long> imported(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return importedRanges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    /**
     * Written by {@link ArchiveScripts#IMPORT} in steps of {@value #CHUNK} counters; unlike a node's share, it
     * leaves the day's tenants and complete days alone, so it never clears totals of a day archived
     * before shares existed.
     */
    @Override
    public void replaceImported(String tenant, LocalDate day, Map<String, Long> counts) throws StoreException {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        Map<String, Long> changes = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            changes.put(e.getKey(), e.getValue());
        }
        for (String counter : importedDay(tenant, day).keySet()) {
            changes.putIfAbsent(counter, 0L);
        }
        String share = shareKey(IMPORT_NODE, tenant, day);
        YearMonth month = YearMonth.from(day);
        String[] keys = {share, monthKey(tenant, month), "rcn" + monthKey(tenant, month).substring(3),
            RedisAllTime.totalsKey(tenant), importsKey(tenant, month), RedisAllTime.progressKey(tenant)};
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Long> e : changes.entrySet()) {
            if (args.isEmpty()) {
                args.add(ArchiveMonth.daySuffix(day));
            }
            args.add(e.getKey());
            args.add(Long.toString(e.getValue()));
            if (args.size() > 2 * CHUNK) {
                String[] argv = args.toArray(String[]::new);
                redis.call("import " + share, r -> r.<Long>eval(ArchiveScripts.IMPORT, ScriptOutputType.INTEGER, keys, argv));
                args.clear();
            }
        }
        if (!args.isEmpty()) {
            String[] argv = args.toArray(String[]::new);
            redis.call("import " + share, r -> r.<Long>eval(ArchiveScripts.IMPORT, ScriptOutputType.INTEGER, keys, argv));
        }
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
        return ranges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    /** Every counter's HMGET of every month goes out before the first is awaited: a page costs about one round trip. */
    @Override
    public List<SortedMap<LocalDate, Long>> ranges(String tenant, List<String> counters, LocalDate from, LocalDate to)
            throws StoreException {
        return days.read(tenant, counters, from, to, m -> monthKey(tenant, m), true);
    }

    @Override
    public long[] totals(String tenant, List<String> counters, LocalDate from, LocalDate to) throws StoreException {
        return days.totals(counters, from, to, m -> monthKey(tenant, m));
    }

    @Override
    public List<SortedMap<LocalDate, Long>> importedRanges(String tenant, List<String> counters, LocalDate from,
            LocalDate to) throws StoreException {
        String[] months = ArchiveMonth.months(from, to).stream().map(m -> importsKey(tenant, m)).toArray(String[]::new);
        Long any = redis.call("EXISTS " + months[0], r -> r.exists(months)); // most tenants never import: one call
        return any != null && any > 0 ? days.read(tenant, counters, from, to, m -> importsKey(tenant, m), false)
                : CounterArchive.each(tenant, counters, key -> new TreeMap<>());
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
        return counterPages(tenant, List.of(month), prefix, after, limit);
    }

    /** One ZRANGEBYLEX ... LIMIT on each month's index, all sent before the first is awaited. */
    @Override
    public List<String> counterPages(String tenant, List<YearMonth> months, String prefix, String after, int limit)
            throws StoreException {
        Range<String> names = CounterIndex.names(prefix, after);
        List<RedisFuture<List<String>>> sent = new ArrayList<>(months.size());
        for (YearMonth m : months) {
            sent.add(redis.async().zrangebylex("rcn" + monthKey(tenant, m).substring(3), names, Limit.create(0, limit)));
        }
        TreeSet<String> out = new TreeSet<>();
        for (RedisFuture<List<String>> reply : sent) {
            out.addAll(BatchProtocol.read(redis.where(), "ZRANGEBYLEX", () -> reply));
        }
        return CounterArchive.first(out, limit);
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
