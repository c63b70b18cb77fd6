package io.restycounter.core.redis;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Visitor ids hashed by the flusher and not yet in a batch: tenant, day, counter, ids. At most
 * {@code max} wait (a tenant whose batch Redis has not confirmed keeps its ids here); past that a
 * visitor is left out of uniques and counted. Ids of one (counter, day) are sorted and sent once each.
 * Only the flusher touches it, under the store's flush lock.
 */
final class HashedVisitors {

    private final int max;
    private final Map<String, Map<LocalDate, Map<String, Ids>>> byTenant = new HashMap<>();
    private int size;
    private long leftOut;

    HashedVisitors(int max) {
        this.max = max;
    }

    void add(CounterKey key, LocalDate day, long visitor) {
        if (size >= max) {
            leftOut++;
            return;
        }
        byTenant.computeIfAbsent(key.tenant(), t -> new HashMap<>())
                .computeIfAbsent(day, d -> new HashMap<>())
                .computeIfAbsent(key.counter(), c -> new Ids())
                .add(visitor);
        size++;
    }

    /**
     * Moves the ids of every tenant not in {@code held} into {@code deltas} (tenant -> deltas of the
     * batch about to be built): onto the delta of the same counter and day, or a delta of its own with
     * no increment; more than {@link BatchProtocol#MAX_BATCH_VISITORS} ids of one counter go in parts.
     */
    void drainInto(Map<String, List<Delta>> deltas, Set<String> held) {
        for (Iterator<Map.Entry<String, Map<LocalDate, Map<String, Ids>>>> it = byTenant.entrySet().iterator();
                it.hasNext();) {
            Map.Entry<String, Map<LocalDate, Map<String, Ids>>> t = it.next();
            if (held.contains(t.getKey())) {
                continue;
            }
            it.remove();
            List<Delta> list = deltas.computeIfAbsent(t.getKey(), k -> new ArrayList<>());
            Map<LocalDate, Map<String, Integer>> at = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                Delta d = list.get(i);
                at.computeIfAbsent(d.day(), x -> new HashMap<>()).put(d.counter(), i);
            }
            for (Map.Entry<LocalDate, Map<String, Ids>> day : t.getValue().entrySet()) {
                for (Map.Entry<String, Ids> c : day.getValue().entrySet()) {
                    size -= c.getValue().n;
                    long[] ids = c.getValue().distinct();
                    for (int from = 0; from < ids.length; from += BatchProtocol.MAX_BATCH_VISITORS) {
                        long[] part = from == 0 && ids.length <= BatchProtocol.MAX_BATCH_VISITORS ? ids
                                : Arrays.copyOfRange(ids, from, Math.min(ids.length, from + BatchProtocol.MAX_BATCH_VISITORS));
                        Map<String, Integer> counters = at.get(day.getKey());
                        Integer i = from == 0 && counters != null ? counters.get(c.getKey()) : null;
                        if (i != null) {
                            Delta d = list.get(i);
                            list.set(i, new Delta(d.day(), d.counter(), d.inc(), part));
                        } else {
                            list.add(new Delta(day.getKey(), c.getKey(), 0, part));
                        }
                    }
                }
            }
        }
    }

    /** Ids waiting. */
    int size() {
        return size;
    }

    /** Visitors left out because {@code max} waited, since start. */
    long leftOut() {
        return leftOut;
    }

    /** A growable list of ids. */
    private static final class Ids {
        long[] a = new long[4];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        long[] distinct() {
            long[] s = Arrays.copyOf(a, n);
            Arrays.sort(s);
            int k = 0;
            for (int i = 0; i < s.length; i++) {
                if (k == 0 || s[i] != s[k - 1]) {
                    s[k++] = s[i];
                }
            }
            return k == s.length ? s : Arrays.copyOf(s, k);
        }
    }
}
