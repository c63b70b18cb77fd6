package io.restycounter.core;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * How long one visitor identity lives (UNIQUES_PERIOD): a day, an ISO week (Monday to Sunday) or a
 * calendar month, in the configured time zone. Within one period a visitor is the same on every day;
 * the secret salt of the period is deleted when it ends, so the same person in the next period is a
 * new visitor that no one can link to the old one.
 */
public enum UniquesPeriod {
    DAY,
    WEEK,
    MONTH;

    /** The first day of the period that holds {@code day}. */
    public LocalDate start(LocalDate day) {
        switch (this) {
            case WEEK:
                return day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH:
                return day.withDayOfMonth(1);
            default:
                return day;
        }
    }

    /** The first day of the next period: the period of {@code day} ends at that day's start. */
    public LocalDate end(LocalDate day) {
        switch (this) {
            case WEEK:
                return start(day).plusWeeks(1);
            case MONTH:
                return start(day).plusMonths(1);
            default:
                return day.plusDays(1);
        }
    }

    /** A name of the period of {@code day} for keys and file names: {@code week-20261130} (its first day). */
    public String id(LocalDate day) {
        LocalDate s = start(day);
        return name().toLowerCase(Locale.ROOT) + "-"
                + (s.getYear() * 10_000 + s.getMonthValue() * 100 + s.getDayOfMonth());
    }

    /** The setting's value: {@code day}, {@code week} or {@code month}, any case. */
    public static UniquesPeriod parse(String value) {
        for (UniquesPeriod p : values()) {
            if (p.name().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw Settings.invalid("UNIQUES_PERIOD", "day, week or month", value);
    }
}
