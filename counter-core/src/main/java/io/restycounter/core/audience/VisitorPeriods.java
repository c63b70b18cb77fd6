package io.restycounter.core.audience;

import io.restycounter.core.UniquesPeriod;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.function.Function;

/**
 * When each tenant's unique-visitor periods end: its {@code uniques-period}, ended at the tenant's own
 * midnight (its time zone, or TIMEZONE). A period's salt lives until that instant and no longer, so a
 * visitor of a tenant behind the server's zone who comes back after the server's midnight, on the same
 * day of the tenant's calendar, is still one visitor.
 *
 * @param periodOf  each tenant's period
 * @param dayStarts the first instant of a day of each tenant's calendar
 */
public record VisitorPeriods(Function<String, UniquesPeriod> periodOf, DayStarts dayStarts) {

    /** The first instant (epoch millis) of {@code day} in {@code tenant}'s calendar. */
    @FunctionalInterface
    public interface DayStarts {
        long startOf(String tenant, LocalDate day);
    }

    /** Every tenant's days begin at midnight in {@code zone}. */
    public static VisitorPeriods inZone(Function<String, UniquesPeriod> periodOf, ZoneId zone) {
        return new VisitorPeriods(periodOf, (tenant, day) -> day.atStartOfDay(zone).toInstant().toEpochMilli());
    }

    /** The salt key of {@code tenant}'s period that holds {@code day}, a day of the tenant's calendar. */
    public Salt.SaltKey saltKey(String tenant, LocalDate day) {
        UniquesPeriod p = periodOf.apply(tenant);
        return new Salt.SaltKey(tenant, p.id(day), end(tenant, p, day));
    }

    /**
     * The first instant of the next quarter of an hour after {@code now} (epoch millis): periods end at a
     * tenant's midnight, and zones are whole quarter hours from UTC, so checking then misses no end.
     */
    static long nextQuarterHour(Instant now) {
        long quarter = 15 * 60_000L;
        return Math.floorDiv(now.toEpochMilli(), quarter) * quarter + quarter;
    }

    /** When {@code tenant}'s period {@code p} that holds {@code day} ends. */
    Instant end(String tenant, UniquesPeriod p, LocalDate day) {
        return Instant.ofEpochMilli(dayStarts.startOf(tenant, p.end(day)));
    }
}
