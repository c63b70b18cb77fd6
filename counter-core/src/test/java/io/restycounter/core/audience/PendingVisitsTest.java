package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingVisitsTest {

    private static final CounterKey KEY = new CounterKey("acme", "home");
    private static final LocalDate DAY = LocalDate.of(2026, 11, 30);

    @Test
    void boundedAndADrainTakesEverythingOnceAndKeepsNoReference() {
        PendingVisits v = new PendingVisits(1); // one stripe of one
        assertTrue(v.add(KEY, DAY, "203.0.113.7", "Firefox"));
        assertFalse(v.add(KEY, DAY, "203.0.113.8", "Firefox"), "full: left out");
        assertEquals(1, v.dropped());
        List<String> seen = new ArrayList<>();
        v.drain((k, d, ip, ua) -> seen.add(k.counter() + d + ip + ua));
        assertEquals(List.of("home2026-11-30203.0.113.7Firefox"), seen);
        assertEquals(0, v.size());
        v.drain((k, d, ip, ua) -> seen.add("again"));
        assertEquals(1, seen.size(), "nothing twice");
        assertTrue(v.add(KEY, DAY, "203.0.113.9", null), "room again after the drain");
    }

    @Test
    void manyThreadsLoseNothingUnderTheBound() throws Exception {
        PendingVisits v = new PendingVisits(1_000_000);
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    v.add(KEY, DAY, id + "." + i, "ua");
                }
            });
            threads[t].start();
        }
        long[] drained = {0};
        while (true) {
            boolean alive = false;
            for (Thread th : threads) {
                alive |= th.isAlive();
            }
            v.drain((k, d, ip, ua) -> drained[0]++);
            if (!alive) {
                v.drain((k, d, ip, ua) -> drained[0]++);
                break;
            }
        }
        assertEquals(80_000, drained[0]);
        assertEquals(0, v.dropped());
    }
}
