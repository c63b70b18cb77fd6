package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingDeltasTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static long sum(Map<String, List<Delta>> drained) {
        return drained.values().stream().flatMap(List::stream).mapToLong(Delta::inc).sum();
    }

    @Test
    void drainTakesEachDeltaOnceGroupedByTenant() {
        PendingDeltas deltas = new PendingDeltas(100, "test");
        deltas.add(HOME, TODAY, 2);
        deltas.add(HOME, TODAY, 3);
        deltas.add(new CounterKey("beta", "x"), TODAY.minusDays(1), 7);
        assertEquals(12, deltas.hits());
        assertEquals(5, deltas.pending(HOME, TODAY));

        Map<String, List<Delta>> drained = deltas.drain();
        assertEquals(List.of(new Delta(TODAY, "home", 5)), drained.get("acme"));
        assertEquals(List.of(new Delta(TODAY.minusDays(1), "x", 7)), drained.get("beta"));
        assertEquals(0, deltas.hits());
        assertEquals(Map.of(), deltas.drain(), "nothing twice");
    }

    @Test
    void maxPendingRefusesNewCountersUntilIdleOnesAreDropped() {
        PendingDeltas deltas = new PendingDeltas(2, "test");
        assertTrue(deltas.add(HOME, TODAY, 1));
        assertTrue(deltas.add(new CounterKey("acme", "b"), TODAY, 1));
        assertFalse(deltas.add(new CounterKey("acme", "c"), TODAY, 1), "a third counter is refused");
        assertFalse(deltas.add(HOME, TODAY.plusDays(1), 1), "so is a known counter on a new day");
        assertTrue(deltas.add(HOME, TODAY, 1), "a counter held still counts");
        assertEquals(3, deltas.hits(), "a refused hit is not held");

        deltas.drain();
        assertEquals(2, deltas.entries(), "drained but not idle yet: still held");
        assertFalse(deltas.add(new CounterKey("acme", "c"), TODAY, 1));
        deltas.drain();
        assertEquals(0, deltas.entries(), "idle since the last drain: dropped");
        deltas.noteRoom();
        assertTrue(deltas.add(new CounterKey("acme", "c"), TODAY, 4), "room again");
        assertEquals(4, sum(deltas.drain()));
    }

    @Test
    void oldDaysAreDroppedOnlyWhenIdleAndNotInFlight() {
        PendingDeltas deltas = new PendingDeltas(100, "test");
        LocalDate old = TODAY.minusDays(3);
        deltas.add(HOME, old, 1);
        deltas.dropDaysBefore(TODAY.minusDays(1), d -> false);
        assertEquals(1, deltas.entries(), "a day with hits is kept");
        assertEquals(1, sum(deltas.drain()));
        deltas.dropDaysBefore(TODAY.minusDays(1), d -> d.equals(old));
        assertEquals(1, deltas.entries(), "a day a batch in flight touches is kept");
        deltas.dropDaysBefore(TODAY.minusDays(1), d -> false);
        assertEquals(0, deltas.entries());
        assertTrue(deltas.add(HOME, old, 5), "a late hit on a dropped day is held again");
        assertEquals(5, deltas.pending(HOME, old));
    }

    /** Adders race a drainer that removes idle counters and old days: every hit is drained once. */
    @Test
    void addRacingDrainAndRetireLosesAndDoublesNoHit() throws Exception {
        PendingDeltas deltas = new PendingDeltas(Integer.MAX_VALUE, "test");
        int threads = 4;
        int perThread = 200_000;
        LocalDate old = TODAY.minusDays(5);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean adding = new AtomicBoolean(true);
        AtomicLong drained = new AtomicLong();
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread a = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    // Few counters, sparse in time: they go idle, get dropped and come back while in use.
                    CounterKey key = new CounterKey("t" + (i % 3), "c" + ((i * 7 + seed) % 5));
                    deltas.add(key, (i & 1) == 0 ? TODAY : old, 1);
                }
            });
            a.start();
            adders.add(a);
        }
        Thread drainer = new Thread(() -> {
            while (adding.get()) {
                drained.addAndGet(sum(deltas.drain()));
                deltas.dropDaysBefore(TODAY.minusDays(1), d -> false);
            }
        });
        drainer.start();
        go.countDown();
        for (Thread a : adders) {
            a.join();
        }
        adding.set(false);
        drainer.join();
        drained.addAndGet(sum(deltas.drain()));
        assertEquals((long) threads * perThread, drained.get());
        assertEquals(0, deltas.hits());
    }
}
