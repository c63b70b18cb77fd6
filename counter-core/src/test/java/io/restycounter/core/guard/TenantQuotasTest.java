package io.restycounter.core.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.guard.TenantQuotas.Verdict;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class TenantQuotasTest {

    private static final LocalDate DAY = LocalDate.parse("2026-11-30");
    private static final long NOON = 1_796_040_000_000L;

    @Test
    void newCountersPastTheQuotaAreRefusedUntilTheNextDay() {
        TenantQuotas q = new TenantQuotas(1_000_000);
        assertEquals(Verdict.OK, q.check("acme", "a", DAY, NOON, 0, 2, true));
        assertEquals(Verdict.OK, q.check("acme", "b", DAY, NOON, 0, 2, true));
        assertEquals(Verdict.OVER_NEW_COUNTERS, q.check("acme", "c", DAY, NOON, 0, 2, true));
        assertEquals(Verdict.OK, q.check("acme", "a", DAY, NOON, 0, 2, true), "a counter already made today still counts");
        assertEquals(Verdict.OK, q.check("beta", "c", DAY, NOON, 0, 2, true), "each tenant has its own quota");
        assertEquals(2, q.namesToday("acme"), "no more names held than the quota");
        assertEquals(Verdict.OK, q.check("acme", "c", DAY.plusDays(1), NOON + 86_400_000, 0, 2, true));
    }

    @Test
    void hitsASecondPastTheQuotaAreRefusedUntilTheNextSecond() {
        TenantQuotas q = new TenantQuotas(1_000_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(Verdict.OK, q.check("acme", "a", DAY, NOON + 10, 3, 100, true));
        }
        assertEquals(Verdict.OVER_RATE, q.check("acme", "a", DAY, NOON + 999, 3, 100, true));
        assertEquals(Verdict.OK, q.check("beta", "a", DAY, NOON + 999, 3, 100, true));
        assertEquals(Verdict.OK, q.check("acme", "a", DAY, NOON + 1000, 3, 100, true));
    }

    @Test
    void tenantsNotInTheRegistryShareOneBoundOfNamesPastWhichTheyCountWithoutAQuota() {
        TenantQuotas q = new TenantQuotas(3);
        assertEquals(Verdict.OK, q.check("x1", "a", DAY, NOON, 0, 1, false));
        assertEquals(Verdict.OK, q.check("x2", "a", DAY, NOON, 0, 100, false));
        assertEquals(Verdict.OK, q.check("x3", "a", DAY, NOON, 0, 100, false));
        assertEquals(Verdict.OVER_NEW_COUNTERS, q.check("x1", "b", DAY, NOON, 0, 1, false),
                "below the shared bound, an open tenant's own quota holds");
        assertEquals(Verdict.OK, q.check("x4", "a", DAY, NOON, 0, 100, false), "past it: counted, as the seed did");
        assertEquals(0, q.namesToday("x4"), "and not remembered: the node holds no more names");
        assertEquals(Verdict.OK, q.check("x5", "a", DAY, NOON, 0, 100, false));
        assertEquals(0, q.namesToday("x5"));
        assertEquals(Verdict.OK, q.check("x1", "a", DAY, NOON, 0, 1, false), "names already held still count");
        assertEquals(Verdict.OK, q.check("acme", "a", DAY, NOON, 0, 100, true), "registered tenants are not held back");
        assertEquals(Verdict.OK, q.check("x4", "a", DAY.plusDays(1), NOON, 0, 100, false));
        assertEquals(1, q.namesToday("x4"), "a new day remembers again");
    }

    /** Issue #18: a tenant whose local date is already tomorrow (+14:00) must not end another tenant's day. */
    @Test
    void eachTenantsDayEndsAtItsOwnMidnightNotAtTheFirstTenantsToReachTheNextDate() {
        TenantQuotas q = new TenantQuotas(1_000_000);
        assertEquals(Verdict.OK, q.check("acme", "x", DAY, NOON, 0, 1, true));
        assertEquals(Verdict.OK, q.check("kiri", "a", DAY.plusDays(1), NOON, 0, 1, true), "kiri is on its next date");
        assertEquals(Verdict.OVER_NEW_COUNTERS, q.check("acme", "y", DAY, NOON + 1, 0, 1, true),
                "acme's day still holds x: its quota is spent until its own midnight");
        assertEquals(Verdict.OK, q.check("acme", "y", DAY.plusDays(1), NOON + 43_200_000, 0, 1, true));
        assertEquals(Verdict.OK, q.check("kiri", "b", DAY.plusDays(2), NOON + 43_200_001, 0, 1, true));
        assertEquals(Verdict.OK, q.check("pago", "p", DAY, NOON + 43_200_002, 0, 1, true),
                "three dates at once: -11:00 is still on the first");
        assertEquals(Verdict.OVER_NEW_COUNTERS, q.check("pago", "q", DAY, NOON + 43_200_003, 0, 1, true));
        q.check("kiri", "c", DAY.plusDays(3), NOON + 86_400_000, 0, 1, true);
        assertEquals(0, q.namesToday("pago"), "a day more than two before the newest is gone: the sets stay bounded");
    }
}
