package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import io.restycounter.core.MutableClock;
import io.restycounter.core.UniquesPeriod;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class VisitorHasherTest {

    private static final LocalDate MON = LocalDate.of(2026, 11, 30);
    private static final CounterKey KEY = new CounterKey("acme", "home");

    @Test
    void saltsAreFetchedOncePerTenantPeriodInOneCallAndForgottenWhenThePeriodEnds() {
        MutableClock clock = new MutableClock(MON.atTime(10, 0).toInstant(ZoneOffset.UTC));
        List<List<Salt.SaltKey>> asked = new ArrayList<>();
        Salts salts = keys -> {
            asked.add(List.copyOf(keys));
            Map<Salt.SaltKey, Salt> out = new HashMap<>();
            keys.forEach(k -> out.put(k, Salt.ofHex(Salt.freshHex())));
            return out;
        };
        VisitorHasher hasher = new VisitorHasher(salts, VisitorPeriods.inZone(t -> UniquesPeriod.WEEK, ZoneOffset.UTC), clock);
        PendingVisits pending = new PendingVisits(100);
        List<Long> ids = new ArrayList<>();
        pending.add(KEY, MON, "203.0.113.7", "Firefox");
        pending.add(new CounterKey("acme", "blog"), MON, "203.0.113.7", "Firefox");
        pending.add(new CounterKey("beta", "home"), MON, "203.0.113.7", "Firefox");
        hasher.drain(pending, (k, d, id) -> ids.add(id));
        assertEquals(1, asked.size(), "one call for every missing salt");
        assertEquals(2, asked.get(0).size(), "acme's week and beta's week");
        assertEquals(ids.get(0), ids.get(1), "one visitor on two counters of a tenant");
        assertNotEquals(ids.get(0), ids.get(2), "another tenant: another id");

        clock.set(MON.plusDays(2).atTime(10, 0).toInstant(ZoneOffset.UTC));
        pending.add(KEY, MON.plusDays(2), "203.0.113.7", "Firefox");
        hasher.drain(pending, (k, d, id) -> ids.add(id));
        assertEquals(1, asked.size(), "same week: the cached salt");
        assertEquals(ids.get(0), ids.get(3), "the same visitor within the week");

        clock.set(MON.plusDays(7).atTime(0, 0, 1).toInstant(ZoneOffset.UTC));
        pending.add(KEY, MON.plusDays(7), "203.0.113.7", "Firefox");
        hasher.drain(pending, (k, d, id) -> ids.add(id));
        assertEquals(2, asked.size(), "a new week: a new salt");
        assertNotEquals(ids.get(0), ids.get(4), "the next week cannot be linked");
    }

    @Test
    void whenSaltsCannotBeHadVisitorsAreLeftOutAndNoFlushWaitsOnThemAgainDuringTheBackOff() {
        MutableClock clock = new MutableClock(MON.atTime(10, 0).toInstant(ZoneOffset.UTC));
        int[] calls = {0};
        Salts down = keys -> {
            calls[0]++;
            throw new java.io.IOException("Redis does not answer");
        };
        VisitorHasher hasher = new VisitorHasher(down, VisitorPeriods.inZone(t -> UniquesPeriod.DAY, ZoneOffset.UTC), clock);
        PendingVisits pending = new PendingVisits(100);
        List<Long> ids = new ArrayList<>();
        pending.add(KEY, MON, "203.0.113.7", "Firefox");
        hasher.drain(pending, (k, d, id) -> ids.add(id));
        pending.add(KEY, MON, "203.0.113.8", "Firefox");
        hasher.drain(pending, (k, d, id) -> ids.add(id));
        assertEquals(List.of(), ids);
        assertEquals(2, hasher.leftOut());
        assertEquals(1, calls[0], "the second flush did not ask again within " + VisitorHasher.RETRY_AFTER);
        assertEquals(0, pending.size(), "no address or agent is kept past the flush");
    }
}
