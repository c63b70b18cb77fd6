package io.restycounter.core.audience;

import io.restycounter.core.UniquesPeriod;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** The days of a range cut where a period ends: a range's uniques are the sum of each run's union. */
public final class PeriodRuns {

    private PeriodRuns() {
    }

    /** Runs of consecutive days of {@code from..to} that lie in one {@code period}, in order. */
    public static List<List<LocalDate>> of(UniquesPeriod period, LocalDate from, LocalDate to) {
        List<List<LocalDate>> runs = new ArrayList<>();
        List<LocalDate> run = null;
        LocalDate runEnd = null;
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            if (run == null || !d.isBefore(runEnd)) {
                run = new ArrayList<>();
                runs.add(run);
                runEnd = period.end(d);
            }
            run.add(d);
        }
        return runs;
    }
}
