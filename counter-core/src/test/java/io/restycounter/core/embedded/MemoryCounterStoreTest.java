package io.restycounter.core.embedded;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryCounterStoreTest {

    private static final CounterKey A = new CounterKey("acme", "a");
    private static final CounterKey B = new CounterKey("acme", "b");
    private static final LocalDate DAY = LocalDate.parse("2026-11-29");

    @Test
    void countsPerCounterAndDay() {
        MemoryCounterStore store = new MemoryCounterStore(3, 100);
        store.increment(A, DAY, 2);
        store.increment(A, DAY, 3);
        store.increment(B, DAY, 1);
        store.increment(A, DAY.minusDays(1), 7);
        assertEquals(5, store.get(A, DAY));
        assertEquals(1, store.get(B, DAY));
        assertEquals(0, store.get(new CounterKey("other", "a"), DAY));
        assertEquals(List.of(0L, 7L, 5L), List.copyOf(store.range(A, DAY.minusDays(2), DAY).values()));
    }

    @Test
    void refusesANewCounterPastTheBoundButKeepsCountingKnownOnes() {
        MemoryCounterStore store = new MemoryCounterStore(3, 2);
        assertTrue(store.increment(A, DAY, 1));
        assertTrue(store.increment(B, DAY, 1));
        assertFalse(store.increment(new CounterKey("acme", "c"), DAY, 1));
        assertTrue(store.increment(A, DAY, 1));
        assertEquals(2, store.get(A, DAY));
    }

    @Test
    void dropsDaysOlderThanTheRetentionWhenANewDayBegins() {
        MemoryCounterStore store = new MemoryCounterStore(2, 3);
        store.increment(A, DAY, 1);
        store.increment(B, DAY, 1);
        store.increment(A, DAY.plusDays(2), 1);
        assertEquals(1, store.get(A, DAY), "two days back is still kept");
        store.increment(A, DAY.plusDays(3), 1);
        assertEquals(0, store.get(A, DAY), "three days back is dropped");
        assertTrue(store.increment(B, DAY.plusDays(3), 1), "dropped entries free their room under the bound");
    }

    @Test
    void hoursBesideTheDayUnderTheSameBoundAndDroppedWithTheirDay() {
        MemoryCounterStore store = new MemoryCounterStore(1, 1);
        assertTrue(store.increment(A, DAY, 24, 2));
        assertTrue(store.increment(A, DAY, 3, 1));
        assertFalse(store.increment(B, DAY, 3, 1), "a new counter past the bound: neither day nor hour");
        long[] hours = store.hours(A, DAY, DAY).get(DAY);
        assertEquals(25, hours.length);
        assertEquals(2, hours[24]);
        assertEquals(1, hours[3]);
        assertEquals(3, store.get(A, DAY));
        assertEquals(0, store.get(B, DAY));
        assertFalse(store.hours(B, DAY, DAY).containsKey(DAY));
        store.increment(A, DAY.plusDays(2), 0, 1); // a new day: the old ones past the retention go
        assertFalse(store.hours(A, DAY, DAY).containsKey(DAY), "dropped with the day");
    }
}
