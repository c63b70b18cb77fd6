package io.restycounter.core;

import io.restycounter.core.log.DayOfMillis;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import io.restycounter.core.tenant.ZoneChange;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's calendar: the local date of a hit in its {@code time-zone} (TIMEZONE when it has none,
 * or is not registered), minding a {@link ZoneChange}. {@link #dayOf(TenantSettings, long)} is the one
 * place that dates a hit; a pixel calls it with a map lookup and two comparisons, allocating nothing
 * but on the first hit of a new day in a zone (one cached {@link DayOfMillis} per zone).
 *
 * <p>With a change, a hit whose date in the new zone is before {@code from} keeps the zone before
 * (capped at {@code from}, so dates never go back); from then on the new zone dates it. The local day
 * where the zones meet may so be longer or shorter than 24 hours, like a daylight-saving day.
 */
public final class TenantCalendar {

    /** The zone whose days begin first (Pacific/Kiritimati) and the one whose days begin last. */
    public static final ZoneOffset EARLIEST = ZoneOffset.ofHours(14);
    public static final ZoneOffset LATEST = ZoneOffset.ofHours(-12);

    private final ZoneId serverZone;
    private final TenantRegistry tenants;
    private final DayOfMillis serverDays;
    /** At most one per IANA zone: a bounded set however many tenants there are. */
    private final ConcurrentHashMap<ZoneId, DayOfMillis> byZone = new ConcurrentHashMap<>();

    public TenantCalendar(ZoneId serverZone, TenantRegistry tenants) {
        this.serverZone = Objects.requireNonNull(serverZone, "serverZone");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.serverDays = days(serverZone);
    }

    /** A calendar with no registry: every tenant's day is TIMEZONE's. */
    public static TenantCalendar of(ZoneId serverZone) {
        return new TenantCalendar(serverZone, TenantRegistry.none(true));
    }

    /** Whether every tenant's zone is known (see {@link TenantRegistry#loaded()}). */
    public boolean ready() {
        return tenants.loaded();
    }

    /** TIMEZONE: where the log files' days begin. */
    public ZoneId serverZone() {
        return serverZone;
    }

    /** The local date of an instant for {@code tenant} (registered or not). */
    public LocalDate dayOf(String tenant, long epochMillis) {
        return dayOf(tenants.find(tenant), epochMillis);
    }

    /** The local date of an instant for a tenant with {@code settings} (null: not registered, TIMEZONE). */
    public LocalDate dayOf(TenantSettings settings, long epochMillis) {
        if (settings == null || settings.timeZone() == null && settings.zoneChange() == null) {
            return serverDays.dayOf(epochMillis);
        }
        ZoneId zone = settings.timeZone() != null ? settings.timeZone() : serverZone;
        LocalDate day = days(zone).dayOf(epochMillis);
        ZoneChange change = settings.zoneChange();
        if (change == null || !day.isBefore(change.from())) {
            return day;
        }
        LocalDate before = days(change.before()).dayOf(epochMillis);
        return before.isAfter(change.from()) ? change.from() : before;
    }

    /**
     * The hour of an instant in the local day {@link #dayOf(TenantSettings, long)} gives it: whole hours
     * since that day's midnight ({@link DayOfMillis#hourOf}), in the zone that dated it (during a zone
     * change, the zone before for the hits it dates).
     */
    public int hourOf(TenantSettings settings, long epochMillis) {
        if (settings == null || settings.timeZone() == null && settings.zoneChange() == null) {
            return serverDays.hourOf(epochMillis);
        }
        DayOfMillis zoneDays = days(settings.timeZone() != null ? settings.timeZone() : serverZone);
        ZoneChange change = settings.zoneChange();
        if (change != null && zoneDays.dayOf(epochMillis).isBefore(change.from())) {
            return days(change.before()).hourOf(epochMillis);
        }
        return zoneDays.hourOf(epochMillis);
    }

    /** {@link #hourOf(TenantSettings, long)} for {@code tenant} (registered or not). */
    public int hourOf(String tenant, long epochMillis) {
        return hourOf(tenants.find(tenant), epochMillis);
    }

    /** The zone {@code tenant}'s days are in now: its {@code time-zone}, else TIMEZONE. */
    public ZoneId zoneOf(String tenant) {
        TenantSettings settings = tenants.find(tenant);
        return settings == null || settings.timeZone() == null ? serverZone : settings.timeZone();
    }

    /**
     * The date of a line of the log file of server day {@code fileDay}: for a tenant in TIMEZONE the file's
     * day, which is the day it was counted on (even if TIMEZONE changed since); for a tenant with a zone of
     * its own the date of its instant, as {@link #dayOf(TenantSettings, long)} gave it when it was counted (the
     * file's day for a line without one, which the log writer never writes).
     */
    public LocalDate dayOfLine(String tenant, long epochMillis, LocalDate fileDay) {
        TenantSettings settings = tenants.find(tenant);
        boolean inTimezone = settings == null || settings.timeZone() == null && settings.zoneChange() == null;
        return inTimezone || epochMillis == Long.MIN_VALUE ? fileDay : dayOf(settings, epochMillis); // MIN_VALUE: no ts
    }

    /** The tenant's date now. */
    public LocalDate today(String tenant, Clock clock) {
        return dayOf(tenant, clock.millis());
    }

    /**
     * The first instant (epoch millis) whose local date for the tenant is {@code day} or later: a day's
     * hits are those from {@code startOf(day)} to {@code startOf(day + 1)}, the second excluded.
     */
    public long startOf(String tenant, LocalDate day) {
        TenantSettings settings = tenants.find(tenant);
        ZoneId zone = settings == null || settings.timeZone() == null ? serverZone : settings.timeZone();
        long start = startMillis(day, zone);
        ZoneChange change = settings == null ? null : settings.zoneChange();
        if (change == null || day.isAfter(change.from())) {
            return start;
        }
        long cut = startMillis(change.from(), zone);
        return Math.min(startMillis(day, change.before()), day.equals(change.from()) ? start : cut);
    }

    /**
     * The instants (epoch millis, from included, to excluded) that the local day {@code day} of any tenant
     * can cover: registered tenants' and TIMEZONE's (every other tenant's). What aggregation of the day reads.
     */
    public long[] spanOf(LocalDate day) {
        long from = startMillis(day, serverZone);
        long to = startMillis(day.plusDays(1), serverZone);
        for (String tenant : tenants.tenants().keySet()) {
            from = Math.min(from, startOf(tenant, day));
            to = Math.max(to, startOf(tenant, day.plusDays(1)));
        }
        return new long[] {from, to};
    }

    /** The server day (TIMEZONE) of an instant: the log file it is in. */
    public LocalDate serverDayOf(long epochMillis) {
        return java.time.Instant.ofEpochMilli(epochMillis).atZone(serverZone).toLocalDate();
    }

    /** The first instant of {@code day} in the zone whose days begin first: no tenant's day begins before. */
    public static long earliestStartOf(LocalDate day) {
        return startMillis(day, EARLIEST);
    }

    /** The first instant of the day after {@code day} where days begin last: no tenant's day ends after. */
    public static long latestEndOf(LocalDate day) {
        return startMillis(day.plusDays(1), LATEST);
    }

    private static long startMillis(LocalDate day, ZoneId zone) {
        return day.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    private DayOfMillis days(ZoneId zone) {
        DayOfMillis d = byZone.get(zone);
        return d != null ? d : byZone.computeIfAbsent(zone, DayOfMillis::new);
    }
}
