package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.log.DayOfMillis;
import io.restycounter.core.report.ArchiveMonth;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The archived hours of {@link RedisCounterArchive}: hash {@code rcah:{tenant}:yyyyMMdd}, field
 * {@code counter|HH} (HH the hour since the local midnight, 00 to 24), the day's hourly totals; each node's
 * share, hash {@code rcah:{tenant}:yyyyMMdd:n:{node}}. As with the day totals, a share is written by a
 * script ({@link ArchiveScripts#MOVE_FIELDS}) that moves each total by the change in the node's share, so
 * aggregating again, on any node and in any order, gives the same hours; no call handles more than
 * {@value RedisCounterArchive#CHUNK} fields.
 */
final class RedisArchiveHours {

    private final RedisLink redis;

    RedisArchiveHours(RedisLink redis) {
        this.redis = redis;
    }

    static String totalsKey(String tenant, LocalDate day) {
        return "rcah:{" + tenant + "}:" + BatchProtocol.dayDigits(day);
    }

    static String shareKey(String node, String tenant, LocalDate day) {
        return totalsKey(tenant, day) + BatchProtocol.NODE_INFIX + node;
    }

    /**
     * Replaces {@code node}'s share with {@code hours} (counter to counts by hour): first a scan of the share
     * for the fields {@code hours} no longer has (none the first time), then their zeros and the new counts,
     * in calls of {@value RedisCounterArchive#CHUNK} fields. Only the fields that go away are held in
     * memory: a day of a million counters never sits there as one list of fields.
     */
    void replaceShare(String node, String tenant, LocalDate day, Map<String, long[]> hours) throws StoreException {
        for (String counter : hours.keySet()) {
            if (!CounterKey.isValidCounter(counter)) {
                throw new IllegalArgumentException("counter: not valid: \"" + counter + "\"");
            }
        }
        String share = shareKey(node, tenant, day);
        List<String> gone = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            MapScanCursor<String, String> page = redis.call("HSCAN " + share,
                    r -> r.hscan(share, from, ScanArgs.Builder.limit(RedisCounterArchive.CHUNK)));
            for (String field : page.getMap().keySet()) {
                if (counted(hours, field) == 0) {
                    gone.add(field);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        String[] keys = {share, totalsKey(tenant, day)};
        List<String> args = new ArrayList<>();
        for (String field : gone) {
            add(keys, args, field, "0");
        }
        for (Map.Entry<String, long[]> e : hours.entrySet()) {
            for (int h = 0; h < e.getValue().length; h++) {
                if (e.getValue()[h] != 0) {
                    add(keys, args, RedisHours.field(e.getKey(), h), Long.toString(e.getValue()[h]));
                }
            }
        }
        flush(keys, args);
    }

    /** What {@code hours} holds for a share field {@code counter|HH}, 0 when nothing. */
    private static long counted(Map<String, long[]> hours, String field) {
        int bar = field.lastIndexOf(RedisHours.FIELD_SEPARATOR);
        long[] counts = bar < 0 ? null : hours.get(field.substring(0, bar));
        if (counts == null) {
            return 0;
        }
        try {
            int h = Integer.parseInt(field.substring(bar + 1));
            return h >= 0 && h < counts.length ? counts[h] : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void add(String[] keys, List<String> args, String field, String count) throws StoreException {
        args.add(field);
        args.add(count);
        if (args.size() >= 2 * RedisCounterArchive.CHUNK) {
            flush(keys, args);
        }
    }

    private void flush(String[] keys, List<String> args) throws StoreException {
        if (!args.isEmpty()) {
            write(keys, args);
            args.clear();
        }
    }

    private void write(String[] keys, List<String> args) throws StoreException {
        String[] a = new String[args.size() + 1];
        a[0] = ""; // the day's totals have the share's fields
        for (int i = 0; i < args.size(); i++) {
            a[i + 1] = args.get(i);
        }
        redis.call("archive " + keys[0], r -> r.<Long>eval(ArchiveScripts.MOVE_FIELDS, ScriptOutputType.INTEGER, keys, a));
    }

    /** One HMGET of 25 fields a day. */
    SortedMap<LocalDate, long[]> read(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        RedisFates.span("hours", from, to);
        String[] fields = new String[DayOfMillis.MAX_HOURS];
        for (int h = 0; h < fields.length; h++) {
            fields[h] = RedisHours.field(key.counter(), h);
        }
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            String hash = totalsKey(key.tenant(), d);
            List<KeyValue<String, String>> values = redis.call("read " + hash, r -> r.hmget(hash, fields));
            long[] counts = new long[fields.length];
            boolean any = false;
            for (int h = 0; h < counts.length; h++) {
                counts[h] = values.get(h).hasValue() ? ArchiveMonth.parse(values.get(h).getValue()) : 0;
                any |= counts[h] != 0;
            }
            if (any) {
                out.put(d, counts);
            }
        }
        return out;
    }
}
