package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Compares a closed day's archived totals (from the logs) with the live store's counts, counter by
 * counter: the two halves of {@code {aggregated log data} + {redis data}} must agree while the day is
 * in both.
 */
public final class Reconciler {

    /** One counter whose archive total and live count differ. */
    public record Drift(CounterKey key, long archived, long live) {
        @Override
        public String toString() {
            return key.tenant() + "/" + key.counter() + ": archive " + archived + ", live " + live
                    + " (" + (live - archived > 0 ? "+" : "") + (live - archived) + ")";
        }
    }

    /** What a comparison found. */
    public record Report(LocalDate day, int counters, List<Drift> drift) {
        public boolean ok() {
            return drift.isEmpty();
        }

        @Override
        public String toString() {
            return day + ": " + counters + " counters compared, " + (drift.isEmpty() ? "no drift" : drift.size() + " drift");
        }
    }

    private Reconciler() {
    }

    /** Compares every counter of {@code tenants} on {@code day} that either side knows of. */
    public static Report compare(CounterArchive archive, CounterStore store, Collection<String> tenants, LocalDate day)
            throws StoreException {
        int compared = 0;
        List<Drift> drift = new ArrayList<>();
        for (String tenant : new TreeSet<>(tenants)) {
            TreeSet<String> counters = new TreeSet<>(archive.byPrefix(tenant, "", day, day).keySet());
            counters.addAll(store.counters(tenant, day));
            for (String c : counters) {
                CounterKey key = new CounterKey(tenant, c);
                long a = archive.range(key, day, day).get(day);
                long l = store.get(key, day);
                compared++;
                if (a != l) {
                    drift.add(new Drift(key, a, l));
                }
            }
        }
        return new Report(day, compared, List.copyOf(drift));
    }
}
