package io.restycounter.core.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.log.DayOfMillis;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The hourly counts this node counted and has not yet put into a batch, and their reads. An hour leaves
 * as a {@link Delta} whose counter is {@code counter#HH} ({@code #} is no counter character, HH the hour
 * since the local midnight, 00 to 24, {@link DayOfMillis#hourOf}); {@link Scripts#APPLY} HINCRBYs it into
 * hash {@code rch:{tenant}:yyyyMMdd}, field {@code counter|HH}, in the same script call as the counts of
 * its batch, exactly once under the same marker, with the day hash's expiry.
 *
 * <p>{@link #add} is on the pixel path: two map lookups and a {@link LongAdder} add, nothing allocated for a
 * (counter, day) already counted in that hour; at most {@code maxPending} entries, past that a new counter's hit is refused
 * (as {@link PendingDeltas} refuses it). Removing an idle entry follows {@link PendingDeltas}'s retire protocol.
 */
final class RedisHours {

    /** Between counter and hour in a delta's counter; never in a counter name. */
    static final char SEPARATOR = '#';
    /** Between counter and hour in an {@code rch:} field. */
    static final char FIELD_SEPARATOR = '|';

    private static final String READ_SHA = BatchProtocol.sha1(Scripts.HOURS);

    private final int maxPending;
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, Hours>> days = new ConcurrentHashMap<>();
    private final AtomicInteger entries = new AtomicInteger();

    RedisHours(int maxPending) {
        this.maxPending = maxPending;
    }

    /** The hourly hash of {@code tenant} on {@code day}, beside its day hash and in the same cluster slot. */
    static String hoursKey(String tenant, LocalDate day) {
        return "rch:{" + tenant + "}:" + BatchProtocol.dayDigits(day);
    }

    /** {@code rch:} field of {@code counter}'s {@code hour}: {@code counter|HH}. */
    static String field(String counter, int hour) {
        return counter + FIELD_SEPARATOR + (hour < 10 ? "0" : "") + hour;
    }

    /** False when {@code key} is new on {@code day} and {@code maxPending} entries are held. */
    boolean add(CounterKey key, LocalDate day, int hour, long by) {
        return add(key, day, hour, by, true);
    }

    private boolean add(CounterKey key, LocalDate day, int hour, long by, boolean bounded) {
        ConcurrentHashMap<CounterKey, Hours> m = days.get(day);
        if (m == null) {
            m = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        Hours hours = m.get(key);
        boolean created = hours == null;
        if (created) {
            if (bounded && entries.get() >= maxPending) {
                return false;
            }
            hours = m.computeIfAbsent(key, k -> {
                entries.incrementAndGet();
                return new Hours();
            });
        }
        hours.add(hour, by);
        if (hours.retired || created && days.get(day) != m) {
            hours.retired = true;
            long orphan = hours.take(hour);
            if (orphan != 0) {
                add(key, day, hour, orphan, false);
            }
        }
        return true;
    }

    /**
     * Moves every non-zero hour of the tenants not in {@code held} into {@code byTenant} as a delta of
     * {@code counter#HH}, and drops entries that stayed idle since the last drain. One drainer at a time.
     */
    void drainInto(Map<String, List<Delta>> byTenant, Set<String> held) {
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, Hours>> day : days.entrySet()) {
            for (Map.Entry<CounterKey, Hours> e : day.getValue().entrySet()) {
                CounterKey key = e.getKey();
                if (!held.isEmpty() && held.contains(key.tenant())) {
                    continue;
                }
                Hours hours = e.getValue();
                long[] taken = hours.take();
                if (none(taken) && day.getValue().remove(key, hours)) {
                    entries.decrementAndGet();
                    hours.retired = true;
                    taken = hours.take();
                }
                for (int h = 0; h < taken.length; h++) {
                    if (taken[h] != 0) {
                        byTenant.computeIfAbsent(key.tenant(), t -> new ArrayList<>()).add(new Delta(day.getKey(),
                                key.counter() + SEPARATOR + (h < 10 ? "0" : "") + h, taken[h]));
                    }
                }
            }
            if (day.getValue().isEmpty() && days.remove(day.getKey(), day.getValue())) {
                for (Map.Entry<CounterKey, Hours> e : day.getValue().entrySet()) {
                    e.getValue().retired = true;
                    entries.decrementAndGet();
                    long[] late = e.getValue().take();
                    for (int h = 0; h < late.length; h++) {
                        if (late[h] != 0) {
                            add(e.getKey(), day.getKey(), h, late[h], false);
                        }
                    }
                }
            }
        }
    }

    /**
     * The hours of {@code key} per day: what Redis holds, plus the batches in flight that Redis did not
     * apply (asked atomically with the hours, by their markers), plus what waits here. Call under the
     * store's move lock (read), so no delta is in two places. Days without any hour are left out.
     */
    SortedMap<LocalDate, long[]> read(StatefulConnection<String, String> query, CounterKey key, LocalDate from,
            LocalDate to, List<Batch> inFlight, String where) throws StoreException {
        int n = RedisFates.span("hours", from, to);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(hoursKey(key.tenant(), from.plusDays(i)));
        }
        String prefix = key.counter() + SEPARATOR;
        List<Batch> unknown = new ArrayList<>();
        for (Batch b : inFlight) {
            if (b.tenant.equals(key.tenant()) && b.touchesPrefix(prefix, from, to)) {
                unknown.add(b);
                keys.add(b.marker);
            }
        }
        String[] k = keys.toArray(String[]::new);
        String[] args = {key.counter() + FIELD_SEPARATOR, Integer.toString(n),
                Integer.toString(DayOfMillis.MAX_HOURS)};
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(query);
        List<Object> reply;
        try {
            reply = BatchProtocol.read(where, "hours read",
                    () -> redis.<List<Object>>evalsha(READ_SHA, ScriptOutputType.MULTI, k, args));
        } catch (StoreException e) {
            if (!BatchProtocol.isNoScript(e.getCause())) {
                throw e;
            }
            reply = BatchProtocol.read(where, "hours read",
                    () -> redis.<List<Object>>eval(Scripts.HOURS, ScriptOutputType.MULTI, k, args));
        }
        long[][] counts = new long[n][DayOfMillis.MAX_HOURS];
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < DayOfMillis.MAX_HOURS; h++) {
                counts[i][h] = parse(String.valueOf(reply.get(i * DayOfMillis.MAX_HOURS + h)));
            }
        }
        int markers = n * DayOfMillis.MAX_HOURS;
        for (int j = 0; j < unknown.size(); j++) {
            if (((Long) reply.get(markers + j)) == 0) {
                for (Delta d : unknown.get(j).deltas) {
                    int hour = hourOf(d.counter(), prefix);
                    if (hour >= 0 && !d.day().isBefore(from) && !d.day().isAfter(to)) {
                        counts[(int) java.time.temporal.ChronoUnit.DAYS.between(from, d.day())][hour] += d.inc();
                    }
                }
            }
        }
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            LocalDate day = from.plusDays(i);
            ConcurrentHashMap<CounterKey, Hours> m = days.get(day);
            Hours pending = m == null ? null : m.get(key);
            for (int h = 0; pending != null && h < DayOfMillis.MAX_HOURS; h++) {
                counts[i][h] += pending.get(h);
            }
            if (!none(counts[i])) {
                out.put(day, counts[i]);
            }
        }
        return out;
    }

    /** The hour of a delta's counter {@code prefix + HH}, or -1 when it is no hour of that counter. */
    private static int hourOf(String deltaCounter, String prefix) {
        if (deltaCounter.length() != prefix.length() + 2 || !deltaCounter.startsWith(prefix)) {
            return -1;
        }
        int h = (deltaCounter.charAt(prefix.length()) - '0') * 10 + deltaCounter.charAt(prefix.length() + 1) - '0';
        return h >= 0 && h < DayOfMillis.MAX_HOURS ? h : -1;
    }

    /** A stray value in the hash reads as 0 rather than failing the query. */
    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean none(long[] counts) {
        for (long c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * One (counter, day)'s hours: a {@link LongAdder} per hour, made by the first hit of that hour, so a hot
     * counter's hits spread over the adder's cells as its day count's do. {@code retired} as {@link PendingDeltas}'s.
     */
    private static final class Hours {
        volatile boolean retired;
        private final AtomicReferenceArray<LongAdder> byHour = new AtomicReferenceArray<>(DayOfMillis.MAX_HOURS);

        void add(int hour, long by) {
            LongAdder a = byHour.get(hour);
            if (a == null) {
                LongAdder fresh = new LongAdder();
                a = byHour.compareAndSet(hour, null, fresh) ? fresh : byHour.get(hour);
            }
            a.add(by);
        }

        long get(int hour) {
            LongAdder a = byHour.get(hour);
            return a == null ? 0 : a.sum();
        }

        long take(int hour) {
            LongAdder a = byHour.get(hour);
            return a == null ? 0 : a.sumThenReset();
        }

        long[] take() {
            long[] out = new long[DayOfMillis.MAX_HOURS];
            for (int h = 0; h < out.length; h++) {
                out[h] = take(h);
            }
            return out;
        }
    }
}
