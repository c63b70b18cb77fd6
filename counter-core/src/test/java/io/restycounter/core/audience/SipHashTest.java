package io.restycounter.core.audience;

import io.restycounter.core.UniquesPeriod;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SipHashTest {

    @Test
    void matchesTheReferenceVectorOfThePaper() {
        byte[] key = new byte[16];
        byte[] msg = new byte[15];
        for (int i = 0; i < 16; i++) {
            key[i] = (byte) i;
        }
        for (int i = 0; i < 15; i++) {
            msg[i] = (byte) i;
        }
        Salt salt = new Salt(key);
        assertEquals(0xa129ca6149be45e5L, SipHash.hash(salt.k0, salt.k1, msg, msg.length));
        assertEquals(0x726fdb47dd0e0e31L, SipHash.hash(salt.k0, salt.k1, new byte[0], 0), "the empty message");
    }

    @Test
    void aVisitorIdDependsOnSaltTenantAddressAndAgentAndTheirBoundaries() {
        Salt a = Salt.ofHex("000102030405060708090a0b0c0d0e0f");
        Salt b = Salt.ofHex("0f0e0d0c0b0a09080706050403020100");
        long id = VisitorHasher.id(a, "acme", "203.0.113.7", "Firefox");
        assertEquals(id, VisitorHasher.id(a, "acme", "203.0.113.7", "Firefox"));
        assertNotEquals(id, VisitorHasher.id(b, "acme", "203.0.113.7", "Firefox"), "another period's salt");
        assertNotEquals(id, VisitorHasher.id(a, "acme2", "203.0.113.7", "Firefox"), "another tenant");
        assertNotEquals(id, VisitorHasher.id(a, "acme", "203.0.113.8", "Firefox"));
        assertNotEquals(id, VisitorHasher.id(a, "acme", "203.0.113.7", "Chrome"));
        assertNotEquals(VisitorHasher.id(a, "acme", "1", "23"), VisitorHasher.id(a, "acme", "12", "3"));
        assertEquals("Salt[secret]", a.toString(), "a salt never prints its secret");
    }

    @Test
    void periodsStartOnTheirFirstDayWeeksOnMonday() {
        LocalDate wed = LocalDate.of(2026, 12, 2);
        assertEquals("day-20261202", UniquesPeriod.DAY.id(wed));
        assertEquals("week-20261130", UniquesPeriod.WEEK.id(wed));
        assertEquals("month-20261201", UniquesPeriod.MONTH.id(wed));
        assertEquals(LocalDate.of(2026, 12, 7), UniquesPeriod.WEEK.end(wed));
        assertEquals(LocalDate.of(2027, 1, 1), UniquesPeriod.MONTH.end(wed));
        assertEquals(UniquesPeriod.WEEK, UniquesPeriod.parse(" Week "));
        LocalDate sat = LocalDate.of(2026, 11, 28);
        assertEquals(List.of(List.of(sat, sat.plusDays(1)), List.of(sat.plusDays(2), sat.plusDays(3))),
                PeriodRuns.of(UniquesPeriod.WEEK, sat, sat.plusDays(3)));
        assertEquals(4, PeriodRuns.of(UniquesPeriod.DAY, sat, sat.plusDays(3)).size());
        assertEquals(2, PeriodRuns.of(UniquesPeriod.MONTH, sat, sat.plusDays(3)).size());
    }
}
