package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
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

class RedisFatesTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static Map<String, List<Delta>> drain(RedisFates fates) {
        Map<String, List<Delta>> out = new LinkedHashMap<>();
        fates.drainInto(out, Set.of());
        return out;
    }

    private static long sum(Map<String, List<Delta>> drained) {
        return drained.values().stream().flatMap(List::stream).mapToLong(Delta::inc).sum();
    }

    @Test
    void drainTakesEachFateOnceAsADeltaOfCounterBarFate() {
        RedisFates fates = new RedisFates(100);
        fates.add(HOME, TODAY, Fate.BOT.ordinal());
        fates.add(HOME, TODAY, Fate.BOT.ordinal());
        fates.add(HOME, TODAY, Fate.REFUSED.ordinal());
        fates.add(new CounterKey("beta", "x"), TODAY, Fate.PRIVATE.ordinal());
        Map<String, List<Delta>> drained = drain(fates);
        assertEquals(List.of(new Delta(TODAY, "home|bot", 2), new Delta(TODAY, "home|refused", 1)), drained.get("acme"));
        assertEquals(List.of(new Delta(TODAY, "x|private", 1)), drained.get("beta"));
        assertEquals(Map.of(), drain(fates), "nothing twice");
    }

    @Test
    void pastMaxPendingANewCountersFateIsDroppedAndAHeldOneStillCounts() {
        RedisFates fates = new RedisFates(1);
        fates.add(HOME, TODAY, Fate.BOT.ordinal());
        fates.add(new CounterKey("acme", "other"), TODAY, Fate.BOT.ordinal());
        fates.add(HOME, TODAY, Fate.BOT.ordinal());
        assertEquals(Map.of("acme", List.of(new Delta(TODAY, "home|bot", 2))), drain(fates));
        drain(fates); // idle: dropped, room again
        fates.add(new CounterKey("acme", "other"), TODAY, Fate.BOT.ordinal());
        assertEquals(Map.of("acme", List.of(new Delta(TODAY, "other|bot", 1))), drain(fates));
    }

    /** Adders race a drainer that removes idle entries and empty days: every fate is drained once. */
    @Test
    void addRacingDrainLosesAndDoublesNoFate() throws Exception {
        RedisFates fates = new RedisFates(Integer.MAX_VALUE);
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
                    fates.add(key, (i & 1) == 0 ? TODAY : TODAY.minusDays(1), i % Fate.COUNT);
                }
            });
            a.start();
            adders.add(a);
        }
        Thread drainer = new Thread(() -> {
            while (adding.get()) {
                drained.addAndGet(sum(drain(fates)));
            }
        });
        drainer.start();
        go.countDown();
        for (Thread a : adders) {
            a.join();
        }
        adding.set(false);
        drainer.join();
        drained.addAndGet(sum(drain(fates)));
        assertEquals((long) threads * perThread, drained.get());
    }
}
