package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a closed day: complete once every node that counted on it has its share in the archive; then
 * its archived totals (from the logs) are compared with the live store's counts, counter by counter:
 * the two halves of {@code {aggregated log data} + {redis data}} must agree while the day is in both.
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

    /**
     * What a check of a closed day found. {@code missing}: nodes that counted on the day but whose share
     * is not in the archive yet; while any is missing the day is incomplete and nothing is compared.
     */
    public record Report(LocalDate day, Set<String> missing, int counters, List<Drift> drift) {

        public boolean complete() {
            return missing.isEmpty();
        }

        public boolean ok() {
            return complete() && drift.isEmpty();
        }

        @Override
        public String toString() {
            if (!complete()) {
                return day + ": incomplete, no share yet from node" + (missing.size() == 1 ? " " : "s ")
                        + String.join(", ", missing.stream().map(n -> n.isEmpty() ? "(no NODE_ID)" : n).toList())
                        + " (their logs for the day are not aggregated)";
            }
            return day + ": " + counters + " counters compared, " + (drift.isEmpty() ? "no drift" : drift.size() + " drift");
        }
    }

    /** Counters whose live counts one store read asks for: a page of reads sent together. */
    static final int READ_STEP = 1000;

    private Reconciler() {
    }

    /**
     * The nodes that owe a share of {@code day} and have none in the archive: those that sent live counts
     * for it, and those whose log files for it are here ({@code nodesHere}).
     */
    public static Set<String> missing(CounterArchive archive, Collection<String> nodesHere, LocalDate day)
            throws StoreException {
        Set<String> owed = new TreeSet<>(archive.nodesCounted(day));
        owed.addAll(nodesHere);
        owed.removeAll(archive.sharesDone(day));
        return owed;
    }

    /**
     * Checks {@code day}: incomplete while a node's share is missing; once complete, compares every
     * counter of every tenant that either the archive or {@code store} knows for the day, unless
     * {@code store} is null (the live counts are elsewhere, or gone).
     */
    public static Report check(CounterArchive archive, CounterStore store, Collection<String> nodesHere, LocalDate day)
            throws StoreException {
        Set<String> missing = missing(archive, nodesHere, day);
        if (!missing.isEmpty() || store == null) {
            return new Report(day, java.util.Collections.unmodifiableSortedSet(new TreeSet<>(missing)), 0, List.of());
        }
        Set<String> tenants = new TreeSet<>(archive.tenants(day));
        tenants.addAll(store.tenants(day));
        return compare(archive, store, tenants, day);
    }

    /** Compares every counter of {@code tenants} on {@code day} that either side knows of. */
    public static Report compare(CounterArchive archive, CounterStore store, Collection<String> tenants, LocalDate day)
            throws StoreException {
        int compared = 0;
        List<Drift> drift = new ArrayList<>();
        for (String tenant : new TreeSet<>(tenants)) {
            Map<String, Long> archived = new java.util.HashMap<>(archive.dayTotals(tenant, day));
            // Imported history is in the archive only: the logs, and so the live store, never had it.
            archive.importedDay(tenant, day).forEach((c, v) -> archived.merge(c, -v, Long::sum));
            archived.values().removeIf(v -> v == 0);
            TreeSet<String> counters = new TreeSet<>(archived.keySet());
            counters.addAll(store.counters(tenant, day));
            List<String> names = new ArrayList<>(counters);
            for (int first = 0; first < names.size(); first += READ_STEP) {
                List<String> step = names.subList(first, Math.min(names.size(), first + READ_STEP));
                List<java.util.SortedMap<LocalDate, Long>> live = store.ranges(tenant, step, day, day);
                for (int i = 0; i < step.size(); i++) {
                    long a = archived.getOrDefault(step.get(i), 0L);
                    long l = live.get(i).getOrDefault(day, 0L);
                    compared++;
                    if (a != l) {
                        drift.add(new Drift(new CounterKey(tenant, step.get(i)), a, l));
                    }
                }
            }
        }
        return new Report(day, Set.of(), compared, List.copyOf(drift));
    }
}
