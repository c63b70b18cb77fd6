package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class DailyShipScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void justAfterMidnightWaitsForTheQuietMinutes() {
        ZonedDateTime now = ZonedDateTime.of(2026, 11, 29, 0, 1, 0, 0, BERLIN);
        assertEquals(Duration.ofMinutes(4), DailyShipSchedule.untilNextRun(now));
    }

    @Test
    void laterInTheDayWaitsForTomorrow() {
        ZonedDateTime now = ZonedDateTime.of(2026, 11, 29, 13, 0, 0, 0, BERLIN);
        assertEquals(Duration.ofHours(11).plusMinutes(5), DailyShipSchedule.untilNextRun(now));
    }

    @Test
    void aShortDayIsMeasuredInRealTime() {
        // 2026-03-29 in Berlin has 23 hours: clocks jump from 02:00 to 03:00.
        ZonedDateTime now = ZonedDateTime.of(2026, 3, 28, 12, 0, 0, 0, BERLIN);
        assertEquals(Duration.ofHours(12).plusMinutes(5), DailyShipSchedule.untilNextRun(now));
        ZonedDateTime early = ZonedDateTime.of(2026, 3, 29, 1, 0, 0, 0, BERLIN);
        assertEquals(Duration.ofHours(22).plusMinutes(5), DailyShipSchedule.untilNextRun(early));
    }
}
