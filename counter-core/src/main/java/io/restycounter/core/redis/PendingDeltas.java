package io.restycounter.core.redis;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hits this node counted and has not yet put into a batch: days -> counters -> a {@link LongAdder}.
 * {@link #add} is the pixel's hot path: two map lookups and an add, no lock. {@link #drain} takes the
 * deltas out and drops counters that stayed idle, so at most {@code maxPending} (counter, day) entries
 * are held; a new counter past that is refused until the flusher frees room.
 *
 * <p>Removing an entry while a thread adds to it is safe by the retire protocol: the drainer marks a
 * removed entry retired, and a thread that added to it checks the flag afterwards and moves its hit to
 * the live entry. Every hit is either taken by a drain or moved by its thread, never both.
 */
final class PendingDeltas {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);

    private final int maxPending;
    private final String where;
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> days =
            new ConcurrentHashMap<>();
    private final AtomicInteger entries = new AtomicInteger();
    /** Set while new counters are refused at MAX_PENDING_COUNTERS, so that is logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();

    /** {@code where} names the store in the log line that says new counters are refused. */
    PendingDeltas(int maxPending, String where) {
        this.maxPending = maxPending;
        this.where = where;
    }

    /** True while a new counter would be refused. */
    boolean full() {
        return entries.get() >= maxPending;
    }

    /** Adds {@code by}; false when {@code key} is new on {@code day} and {@code maxPending} entries are held. */
    boolean add(CounterKey key, LocalDate day, long by) {
        return add(key, day, by, true);
    }

    private boolean add(CounterKey key, LocalDate day, long by, boolean bounded) {
        ConcurrentHashMap<CounterKey, PendingCount> counts = days.get(day);
        if (counts == null) {
            counts = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        PendingCount adder = counts.get(key);
        boolean created = adder == null;
        if (created) {
            if (bounded && entries.get() >= maxPending) {
                if (refusing.compareAndSet(false, true)) {
                    LOG.error("MAX_PENDING_COUNTERS reached: {} counters wait for {}; hits on new counters "
                            + "are refused (503, not counted, not logged) until Redis takes counts again",
                            entries.get(), where);
                }
                return false;
            }
            adder = counts.computeIfAbsent(key, k -> {
                entries.incrementAndGet();
                return new PendingCount();
            });
        }
        adder.add(by);
        if (adder.retired || created && days.get(day) != counts) {
            // The drainer dropped this idle counter, or the old day it sits in, meanwhile: move what
            // landed in it. A delta created in a dropped day's map is retired here, by its creator.
            adder.retired = true;
            long orphan = adder.sumThenReset();
            if (orphan != 0) {
                add(key, day, orphan, false);
            }
        }
        return true;
    }

    /** The unsent delta of {@code key} on {@code day}. */
    long pending(CounterKey key, LocalDate day) {
        ConcurrentHashMap<CounterKey, PendingCount> m = days.get(day);
        PendingCount adder = m == null ? null : m.get(key);
        return adder == null ? 0 : adder.sum();
    }

    /** Adds to {@code out} the counters of {@code tenant} held for {@code day}. */
    void countersOf(String tenant, LocalDate day, Set<String> out) {
        ConcurrentHashMap<CounterKey, PendingCount> m = days.get(day);
        if (m != null) {
            m.forEach((k, v) -> {
                if (k.tenant().equals(tenant)) {
                    out.add(k.counter());
                }
            });
        }
    }

    /**
     * Takes every non-zero delta out, grouped by tenant in the order met, and drops the counters that
     * had none since the last drain (freeing their place under the bound). One drainer at a time.
     */
    Map<String, List<Delta>> drain() {
        return drain(Set.of());
    }

    /** As {@link #drain()}, leaving the deltas of the tenants in {@code held} untouched. */
    Map<String, List<Delta>> drain(Set<String> held) {
        Map<String, List<Delta>> byTenant = new LinkedHashMap<>();
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> day : days.entrySet()) {
            for (Map.Entry<CounterKey, PendingCount> e : day.getValue().entrySet()) {
                if (!held.isEmpty() && held.contains(e.getKey().tenant())) {
                    continue;
                }
                long v = e.getValue().sumThenReset();
                if (v == 0 && day.getValue().remove(e.getKey(), e.getValue())) {
                    // A hit that raced in is either taken here or moved by its thread, which sees the flag (see add).
                    entries.decrementAndGet();
                    e.getValue().retired = true;
                    v = e.getValue().sumThenReset();
                }
                if (v != 0) {
                    byTenant.computeIfAbsent(e.getKey().tenant(), t -> new ArrayList<>())
                            .add(new Delta(day.getKey(), e.getKey().counter(), v));
                }
            }
        }
        return byTenant;
    }

    /** Drops days before {@code oldestKept} that hold no hit and that no batch in flight still touches. */
    void dropDaysBefore(LocalDate oldestKept, Predicate<LocalDate> inFlight) {
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> day : days.entrySet()) {
            if (!day.getKey().isBefore(oldestKept)) {
                continue;
            }
            boolean idle = day.getValue().values().stream().allMatch(a -> a.sum() == 0) && !inFlight.test(day.getKey());
            if (idle && days.remove(day.getKey(), day.getValue())) {
                entries.addAndGet(-day.getValue().size());
                for (Map.Entry<CounterKey, PendingCount> e : day.getValue().entrySet()) {
                    e.getValue().retired = true;
                    long late = e.getValue().sumThenReset();
                    if (late != 0) {
                        add(e.getKey(), day.getKey(), late, false);
                    }
                }
            }
        }
    }

    /** After a flush: says once when new counters are taken again. */
    void noteRoom() {
        if (refusing.get() && entries.get() < maxPending && refusing.compareAndSet(true, false)) {
            LOG.info("below MAX_PENDING_COUNTERS again ({} counters wait); new counters are counted", entries.get());
        }
    }

    /** Hits held. */
    long hits() {
        long sum = 0;
        for (ConcurrentHashMap<CounterKey, PendingCount> m : days.values()) {
            for (PendingCount a : m.values()) {
                sum += a.sum();
            }
        }
        return sum;
    }

    /** Counters with a hit held. */
    long counters() {
        long n = 0;
        for (ConcurrentHashMap<CounterKey, PendingCount> m : days.values()) {
            for (PendingCount a : m.values()) {
                if (a.sum() != 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Distinct (counter, day) entries held, idle or not: what the bound counts. */
    int entries() {
        return entries.get();
    }

    /**
     * One counter's unsent hits. The drainer sets {@code retired} after it takes the delta out of its
     * map; a thread that added to it checks the flag afterwards and moves its hit to the live delta,
     * so the hot path needs no second map lookup to notice the removal.
     */
    @SuppressWarnings("serial") // never serialized
    private static final class PendingCount extends LongAdder {
        volatile boolean retired;
    }
}
