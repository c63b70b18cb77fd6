package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The hours waiting for a batch: drained once each as {@code counter#HH}, bounded, no hour lost to a racing drain. */
class RedisHoursTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static Map<String, List<Delta>> drain(RedisHours hours) {
        Map<String, List<Delta>> out = new LinkedHashMap<>();
        hours.drainInto(out, Set.of());
        return out;
    }

    private static long sum(Map<String, List<Delta>> drained) {
        return drained.values().stream().flatMap(List::stream).mapToLong(Delta::inc).sum();
    }

    @Test
    void drainTakesEachHourOnceAsADeltaOfCounterHashHour() {
        RedisHours hours = new RedisHours(100);
        hours.add(HOME, TODAY, 0, 1);
        hours.add(HOME, TODAY, 0, 2);
        hours.add(HOME, TODAY, 24, 1);
        hours.add(new CounterKey("beta", "x"), TODAY, 9, 5);
        Map<String, List<Delta>> drained = drain(hours);
        assertEquals(List.of(new Delta(TODAY, "home#00", 3), new Delta(TODAY, "home#24", 1)), drained.get("acme"));
        assertEquals(List.of(new Delta(TODAY, "x#09", 5)), drained.get("beta"));
        assertEquals(Map.of(), drain(hours), "nothing twice");
    }

    @Test
    void pastMaxPendingANewCounterIsRefusedAndAHeldOneStillCounts() {
        RedisHours hours = new RedisHours(1);
        assertTrue(hours.add(HOME, TODAY, 1, 1));
        assertFalse(hours.add(new CounterKey("acme", "other"), TODAY, 1, 1));
        assertTrue(hours.add(HOME, TODAY, 2, 1), "any hour of a held (counter, day)");
        assertEquals(Map.of("acme", List.of(new Delta(TODAY, "home#01", 1), new Delta(TODAY, "home#02", 1))), drain(hours));
        drain(hours); // idle: dropped, room again
        assertTrue(hours.add(new CounterKey("acme", "other"), TODAY, 1, 1));
    }

    /** Adders race a drainer that removes idle entries and empty days: every hour is drained once. */
    @Test
    void addRacingDrainLosesAndDoublesNoHour() throws Exception {
        RedisHours hours = new RedisHours(Integer.MAX_VALUE);
        int threads = 4;
        int perThread = 200_000;
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
                    CounterKey key = new CounterKey("t" + (i % 3), "c" + ((i * 7 + seed) % 5));
                    hours.add(key, (i & 1) == 0 ? TODAY : TODAY.minusDays(1), i % 25, 1);
                }
            });
            a.start();
            adders.add(a);
        }
        Thread drainer = new Thread(() -> {
            while (adding.get()) {
                drained.addAndGet(sum(drain(hours)));
            }
        });
        drainer.start();
        go.countDown();
        for (Thread a : adders) {
            a.join();
        }
        adding.set(false);
        drainer.join();
        drained.addAndGet(sum(drain(hours)));
        assertEquals((long) threads * perThread, drained.get());
    }
}
