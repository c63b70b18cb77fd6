package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** A hit's hour is whole hours since its day's local midnight, so a daylight-saving day keeps every hour apart. */
class DayOfMillisTest {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void theRepeatedHourOfA25HourDayHasAnIndexOfItsOwn() {
        DayOfMillis days = new DayOfMillis(PARIS);
        // 2026-10-25: midnight is 22:00Z the day before (+02:00); 02:00 local comes at 00:00Z and again at 01:00Z
        assertEquals(LocalDate.of(2026, 10, 25), days.dayOf(at("2026-10-24T22:00:00Z")));
        assertEquals(0, days.hourOf(at("2026-10-24T22:00:00Z")));
        assertEquals(2, days.hourOf(at("2026-10-25T00:30:00Z")), "02:30+02:00");
        assertEquals(3, days.hourOf(at("2026-10-25T01:30:00Z")), "02:30+01:00, the same wall clock");
        assertEquals(24, days.hourOf(at("2026-10-25T22:59:59.999Z")), "23:59+01:00, the 25th hour");
        assertEquals(0, days.hourOf(at("2026-10-25T23:00:00Z")), "the next day's midnight");
        assertEquals(12, days.hourOf(at("2026-10-24T10:00:00Z")), "a late hit of the day before, not the cached day");
    }

    @Test
    void a23HourDayEndsAtIndex22() {
        DayOfMillis days = new DayOfMillis(PARIS);
        // 2026-03-29: 02:00 local does not exist; midnight is 23:00Z the day before (+01:00)
        assertEquals(1, days.hourOf(at("2026-03-29T00:30:00Z")), "01:30+01:00");
        assertEquals(2, days.hourOf(at("2026-03-29T01:30:00Z")), "03:30+02:00");
        assertEquals(22, days.hourOf(at("2026-03-29T21:59:59Z")), "23:59+02:00");
        assertEquals(LocalDate.of(2026, 3, 29), days.dayOf(at("2026-03-29T21:59:59Z")));
    }
}
