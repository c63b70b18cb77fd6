package io.restycounter.core.embedded;

import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.Fate;
import io.restycounter.core.UniqueVisitors;
import io.restycounter.core.audience.DaySketches;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embedded store: counts live in memory, one {@link LongAdder} per counter and day, and the
 * daily log is their durable copy ({@link io.restycounter.core.CounterEngine} rebuilds today and yesterday from it at
 * start). Days older than the retention are dropped when a new day begins.
 */
public final class MemoryCounterStore implements CounterStore {

    public static final int DEFAULT_MAX_COUNTERS = 5_000_000;

    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, LongAdder>> days =
            new ConcurrentHashMap<>();
    /** Day, tenant, counters in name order: what prefix queries page through. */
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<String, ConcurrentSkipListSet<String>>> index =
            new ConcurrentHashMap<>();
    private final AtomicInteger counters = new AtomicInteger();
    /** Day -> counter -> fate counts by {@link Fate#ordinal()}, at most maxCounters entries; see {@link #fate}. */
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, AtomicLongArray>> fates =
            new ConcurrentHashMap<>();
    private final AtomicInteger fateEntries = new AtomicInteger();
    /** Day -> counter -> counts by hour ({@link io.restycounter.core.log.DayOfMillis#MAX_HOURS}), under the same bound. */
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, HourAdders>> hours =
            new ConcurrentHashMap<>();
    private final AtomicInteger hourEntries = new AtomicInteger();
    private final int retainDays;
    private final int maxCounters;
    /** The unique-visitor sketches, or null: this store then keeps no uniques. */
    private final DaySketches uniques;

    /**
     * @param retainDays  how many days before the newest one to keep
     * @param maxCounters how many (counter, day) entries it holds at most; a new one past that is refused
     */
    public MemoryCounterStore(int retainDays, int maxCounters) {
        this(retainDays, maxCounters, null);
    }

    /** As above, with the unique-visitor sketches, which it flushes and closes from now on (null: none). */
    public MemoryCounterStore(int retainDays, int maxCounters, DaySketches uniques) {
        if (retainDays < 1) {
            throw new IllegalArgumentException("retainDays: expected at least 1, got " + retainDays);
        }
        if (maxCounters < 1) {
            throw new IllegalArgumentException("maxCounters: expected at least 1, got " + maxCounters);
        }
        this.retainDays = retainDays;
        this.maxCounters = maxCounters;
        this.uniques = uniques;
    }

    @Override
    public boolean visit(CounterKey key, LocalDate day, String clientAddress, String userAgent) {
        return uniques != null && uniques.visit(key, day, clientAddress, userAgent);
    }

    @Override
    public UniqueVisitors uniques(CounterKey key, LocalDate from, LocalDate to) {
        return uniques == null ? UniqueVisitors.NONE : uniques.uniques(key, from, to);
    }

    /** Nothing is pending here; full when every counter it may hold is taken. */
    @Override
    public io.restycounter.core.StoreStats stats() {
        return new io.restycounter.core.StoreStats(0, counters.get() >= maxCounters, 0, 0, 0, 0, -1);
    }

    @Override
    public boolean increment(CounterKey key, LocalDate day, long by) {
        ConcurrentHashMap<CounterKey, LongAdder> counts = days.get(day);
        if (counts == null) {
            counts = days.computeIfAbsent(day, d -> {
                dropBefore(d.minusDays(retainDays));
                return new ConcurrentHashMap<>();
            });
        }
        LongAdder adder = counts.get(key);
        if (adder == null) {
            if (counters.get() >= maxCounters) {
                return false;
            }
            adder = counts.computeIfAbsent(key, k -> {
                counters.incrementAndGet();
                index.computeIfAbsent(day, d -> new ConcurrentHashMap<>())
                        .computeIfAbsent(k.tenant(), t -> new ConcurrentSkipListSet<>()).add(k.counter());
                return new LongAdder();
            });
        }
        adder.add(by);
        return true;
    }

    /**
     * The day's count and its hour's, both in memory; nothing allocated for a (counter, day) seen before. The
     * day first: its first hit of a new day drops the days past retention, hours included, making room.
     */
    @Override
    public boolean increment(CounterKey key, LocalDate day, int hour, long by) {
        java.util.Objects.checkIndex(hour, io.restycounter.core.log.DayOfMillis.MAX_HOURS);
        if (!increment(key, day, by)) {
            return false;
        }
        ConcurrentHashMap<CounterKey, HourAdders> m = hours.get(day);
        if (m == null) {
            m = hours.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        HourAdders byHour = m.get(key);
        if (byHour == null) {
            if (hourEntries.get() >= maxCounters) {
                increment(key, day, -by); // its entry exists now: never refused
                return false;
            }
            byHour = m.computeIfAbsent(key, k -> {
                hourEntries.incrementAndGet();
                return new HourAdders();
            });
        }
        byHour.add(hour, by);
        return true;
    }

    @Override
    public SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) {
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            ConcurrentHashMap<CounterKey, HourAdders> m = hours.get(d);
            HourAdders counts = m == null ? null : m.get(key);
            if (counts != null) {
                out.put(d, counts.sums());
            }
        }
        return out;
    }

    private static SortedMap<LocalDate, long[]> copies(
            ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, AtomicLongArray>> byDay, CounterKey key,
            LocalDate from, LocalDate to) {
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            ConcurrentHashMap<CounterKey, AtomicLongArray> m = byDay.get(d);
            AtomicLongArray counts = m == null ? null : m.get(key);
            if (counts != null) {
                long[] copy = new long[counts.length()];
                for (int i = 0; i < copy.length; i++) {
                    copy[i] = counts.get(i);
                }
                out.put(d, copy);
            }
        }
        return out;
    }

    /**
     * Rebuilt from the log at start for bots and private hits only (the log keeps no line of the other
     * fates); past maxCounters (counter, day) entries a new counter's fate is dropped.
     */
    @Override
    public void fate(CounterKey key, LocalDate day, Fate fate) {
        ConcurrentHashMap<CounterKey, AtomicLongArray> m = fates.get(day);
        if (m == null) {
            m = fates.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        AtomicLongArray counts = m.get(key);
        if (counts == null) {
            if (fateEntries.get() >= maxCounters) {
                return;
            }
            counts = m.computeIfAbsent(key, k -> {
                fateEntries.incrementAndGet();
                return new AtomicLongArray(Fate.COUNT);
            });
        }
        counts.incrementAndGet(fate.ordinal());
    }

    @Override
    public SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) {
        return copies(fates, key, from, to);
    }

    @Override
    public SortedMap<String, SortedMap<String, long[]>> dayFates(LocalDate day) {
        SortedMap<String, SortedMap<String, long[]>> out = new TreeMap<>();
        ConcurrentHashMap<CounterKey, AtomicLongArray> m = fates.get(day);
        if (m != null) {
            m.forEach((key, counts) -> {
                long[] copy = new long[counts.length()];
                for (int i = 0; i < copy.length; i++) {
                    copy[i] = counts.get(i);
                }
                out.computeIfAbsent(key.tenant(), t -> new TreeMap<>()).put(key.counter(), copy);
            });
        }
        return out;
    }

    private void dropBefore(LocalDate oldest) {
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, HourAdders>> e : hours.entrySet()) {
            if (e.getKey().isBefore(oldest) && hours.remove(e.getKey(), e.getValue())) {
                hourEntries.addAndGet(-e.getValue().size());
            }
        }
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, AtomicLongArray>> e : fates.entrySet()) {
            if (e.getKey().isBefore(oldest) && fates.remove(e.getKey(), e.getValue())) {
                fateEntries.addAndGet(-e.getValue().size());
            }
        }
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, LongAdder>> e : days.entrySet()) {
            if (e.getKey().isBefore(oldest) && days.remove(e.getKey(), e.getValue())) {
                counters.addAndGet(-e.getValue().size());
                index.remove(e.getKey());
            }
        }
    }

    @Override
    public long get(CounterKey key, LocalDate day) {
        ConcurrentHashMap<CounterKey, LongAdder> counts = days.get(day);
        LongAdder adder = counts == null ? null : counts.get(key);
        return adder == null ? 0 : adder.sum();
    }

    @Override
    public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) {
        SortedMap<LocalDate, Long> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.put(d, get(key, d));
        }
        return out;
    }

    @Override
    public java.util.Set<String> counters(String tenant, LocalDate day) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        ConcurrentHashMap<String, ConcurrentSkipListSet<String>> tenants = index.get(day);
        ConcurrentSkipListSet<String> names = tenants == null ? null : tenants.get(tenant);
        if (names != null) {
            for (String c : names) {
                if (get(new CounterKey(tenant, c), day) != 0) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    @Override
    public List<String> counterPage(String tenant, LocalDate day, String prefix, String after, int limit) {
        ConcurrentHashMap<String, ConcurrentSkipListSet<String>> tenants = index.get(day);
        ConcurrentSkipListSet<String> names = tenants == null ? null : tenants.get(tenant);
        return names == null ? List.of() : CounterStore.page(names, prefix, after, limit);
    }

    @Override
    public java.util.Set<String> tenants(LocalDate day) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        ConcurrentHashMap<CounterKey, LongAdder> counts = days.get(day);
        if (counts != null) {
            counts.forEach((k, v) -> {
                if (v.sum() != 0) {
                    out.add(k.tenant());
                }
            });
        }
        return out;
    }

    /** Counts need no flush; waiting visitors are hashed into their sketches. */
    @Override
    public void flush() {
        if (uniques != null) {
            uniques.flush();
        }
    }

    @Override
    public boolean healthy() {
        return true;
    }

    /** Saves the unique-visitor sketches. */
    @Override
    public void close() {
        if (uniques != null) {
            uniques.close();
        }
    }

    /** A (counter, day)'s hours: a {@link LongAdder} per hour, made by the hour's first hit. */
    private static final class HourAdders {
        private final java.util.concurrent.atomic.AtomicReferenceArray<LongAdder> byHour =
                new java.util.concurrent.atomic.AtomicReferenceArray<>(io.restycounter.core.log.DayOfMillis.MAX_HOURS);

        void add(int hour, long by) {
            LongAdder a = byHour.get(hour);
            if (a == null) {
                LongAdder fresh = new LongAdder();
                a = byHour.compareAndSet(hour, null, fresh) ? fresh : byHour.get(hour);
            }
            a.add(by);
        }

        long[] sums() {
            long[] out = new long[byHour.length()];
            for (int h = 0; h < out.length; h++) {
                LongAdder a = byHour.get(h);
                out[h] = a == null ? 0 : a.sum();
            }
            return out;
        }
    }
}
