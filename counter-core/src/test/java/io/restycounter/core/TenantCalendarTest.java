package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.tenant.TenantSettings;
import io.restycounter.core.tenant.ZoneChange;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TenantCalendarTest {

    private static final TenantCalendar CALENDAR = TenantCalendar.of(ZoneOffset.UTC);

    private static TenantSettings in(String zone) {
        return TenantSettings.of("t").with("time-zone", zone);
    }

    private static LocalDate day(TenantSettings t, String instant) {
        return CALENDAR.dayOf(t, Instant.parse(instant).toEpochMilli());
    }

    @Test
    void aHitAroundMidnightUtcLandsOnTheTenantsLocalDate() {
        assertEquals(LocalDate.parse("2026-11-30"), day(in("Pacific/Kiritimati"), "2026-11-30T09:59:59.999Z"));
        assertEquals(LocalDate.parse("2026-12-01"), day(in("Pacific/Kiritimati"), "2026-11-30T10:00:00Z"));
        assertEquals(LocalDate.parse("2026-11-30"), day(in("Pacific/Pago_Pago"), "2026-12-01T10:59:59.999Z"));
        assertEquals(LocalDate.parse("2026-12-01"), day(in("Pacific/Pago_Pago"), "2026-12-01T11:00:00Z"));
        assertEquals(LocalDate.parse("2026-11-30"), day(in("Asia/Kathmandu"), "2026-11-30T18:14:59.999Z"));
        assertEquals(LocalDate.parse("2026-12-01"), day(in("Asia/Kathmandu"), "2026-11-30T18:15:00Z"));
        assertEquals(LocalDate.parse("2026-11-30"), day(null, "2026-11-30T23:59:59.999Z"), "unregistered: TIMEZONE");
        assertEquals(LocalDate.parse("2026-11-30"), day(TenantSettings.of("t"), "2026-11-30T23:59:59.999Z"));
    }

    @Test
    void theDayDaylightSavingEndsHas25HoursInNewYork() {
        TenantSettings ny = in("America/New_York");
        assertEquals(LocalDate.parse("2026-10-31"), day(ny, "2026-11-01T03:59:59Z"));
        assertEquals(LocalDate.parse("2026-11-01"), day(ny, "2026-11-01T04:00:00Z"));
        assertEquals(LocalDate.parse("2026-11-01"), day(ny, "2026-11-02T04:59:59Z"), "23:59 EST, not 00:59 EDT");
        assertEquals(LocalDate.parse("2026-11-02"), day(ny, "2026-11-02T05:00:00Z"));
        TenantCalendar calendar = registered(ny);
        assertEquals(Duration.ofHours(25).toMillis(), calendar.startOf("t", LocalDate.parse("2026-11-02"))
                - calendar.startOf("t", LocalDate.parse("2026-11-01")));
    }

    @Test
    void aZoneChangeDatesEarlierHitsInTheZoneBeforeAndNeverGoesBack() {
        // UTC to +14 on 2026-11-30 at noon: the change starts at 2026-12-02 in the new zone (11-30 10:00 UTC).
        TenantSettings changed = TenantSettings.of("t").withTimeZone("Pacific/Kiritimati", ZoneOffset.UTC,
                Instant.parse("2026-11-30T12:00:00Z"));
        assertEquals(new ZoneChange(ZoneOffset.UTC, LocalDate.parse("2026-12-02")), changed.zoneChange());
        assertEquals(LocalDate.parse("2026-11-30"), day(changed, "2026-11-30T12:00:00Z"), "made before: stays");
        assertEquals(LocalDate.parse("2026-12-01"), day(changed, "2026-12-01T09:59:59Z"), "still UTC");
        assertEquals(LocalDate.parse("2026-12-02"), day(changed, "2026-12-01T10:00:00Z"), "the new zone's midnight");
        assertEquals(ZoneOffset.UTC, changed.zoneAt(ZoneOffset.UTC, Instant.parse("2026-12-01T09:00:00Z")));
        assertEquals(ZoneId.of("Pacific/Kiritimati"), changed.zoneAt(ZoneOffset.UTC, Instant.parse("2026-12-01T10:00:00Z")));

        // +14 to -12 (26 hours apart): the meeting day is long, and dates never go back.
        TenantSettings west = in("Pacific/Kiritimati").withTimeZone("Etc/GMT+12", ZoneOffset.UTC,
                Instant.parse("2026-11-30T12:00:00Z"));
        TenantCalendar calendar = registered(west);
        LocalDate previous = LocalDate.MIN;
        for (long t = Instant.parse("2026-11-29T00:00:00Z").toEpochMilli();
                t < Instant.parse("2026-12-06T00:00:00Z").toEpochMilli(); t += Duration.ofMinutes(15).toMillis()) {
            LocalDate d = calendar.dayOf("t", t);
            assertFalse(d.isBefore(previous), "dates never go back at " + Instant.ofEpochMilli(t));
            assertTrue(calendar.startOf("t", d) <= t && t < calendar.startOf("t", d.plusDays(1)),
                    "startOf agrees with dayOf at " + Instant.ofEpochMilli(t));
            previous = d;
        }
    }

    @Test
    void startOfAgreesWithDayOfInEveryTestedZone() {
        for (String zone : new String[] {"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/New_York"}) {
            TenantCalendar calendar = registered(in(zone));
            for (long t = Instant.parse("2026-10-30T00:00:00Z").toEpochMilli();
                    t < Instant.parse("2026-11-04T00:00:00Z").toEpochMilli(); t += Duration.ofMinutes(15).toMillis()) {
                LocalDate d = calendar.dayOf("t", t);
                assertTrue(calendar.startOf("t", d) <= t && t < calendar.startOf("t", d.plusDays(1)), zone + " " + t);
            }
            long[] span = calendar.spanOf(LocalDate.parse("2026-11-01"));
            assertTrue(span[0] <= calendar.startOf("t", LocalDate.parse("2026-11-01"))
                    && span[1] >= calendar.startOf("t", LocalDate.parse("2026-11-02")), zone);
        }
    }

    private static TenantCalendar registered(TenantSettings t) {
        io.restycounter.core.tenant.TenantSource source = new io.restycounter.core.tenant.TenantSource() {
            @Override
            public Object version() {
                return 1;
            }

            @Override
            public java.util.Map<String, TenantSettings> load() {
                return java.util.Map.of(t.id(), t);
            }

            @Override
            public TenantSettings update(String id, boolean create, java.util.function.UnaryOperator<TenantSettings> change) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean remove(String id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String describe() {
                return "a fixed tenant";
            }
        };
        try {
            return new TenantCalendar(ZoneOffset.UTC, io.restycounter.core.tenant.TenantRegistry.start(source, true, null, true));
        } catch (StoreException e) {
            throw new AssertionError(e);
        }
    }
}
