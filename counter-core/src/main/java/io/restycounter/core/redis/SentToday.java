package io.restycounter.core.redis;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What this process knows Redis already holds from its confirmed batches, so that a flush sends a key's
 * EXPIRE with the key's first write of the day, not with every batch, and a visitor id once, not with every
 * hit: the keys whose expiry is set (day hashes and, beside their day, fates hashes), and per unique-visitor
 * sketch that its expiry is set and the last {@value #IDS_PER_SKETCH} ids it took. An id that a HyperLogLog
 * holds changes nothing when added again, so leaving it out keeps the sketch exact.
 *
 * <p>Only what Redis confirmed is remembered, and it is bounded: at most {@value #MAX_SKETCHES} sketches,
 * the least recently sent forgotten first; what is forgotten is only sent again. A new day forgets the
 * keys. A lost script cache (Redis restarted, maybe without its data) forgets everything, and the batches
 * still in flight get back the expiries they left out: a key they write may be new again. Used under the
 * store's flush lock only.
 */
final class SentToday {

    static final int MAX_SKETCHES = 100_000;
    static final int IDS_PER_SKETCH = 64;
    /** Ids held in all (8 MiB of longs); past it the least recently sent sketches are forgotten. */
    static final int MAX_IDS = 1 << 20;

    /** One counter's unique-visitor sketch of one day. */
    private record Sketch(String tenant, LocalDate day, String counter) {
    }

    private final Set<String> expirySet = new HashSet<>();
    private int ids;
    private LocalDate today;
    @SuppressWarnings("serial") // never serialized
    private final Map<Sketch, Ids> sketches = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Sketch, Ids> eldest) {
            if (size() > MAX_SKETCHES) {
                ids -= eldest.getValue().n;
                return true;
            }
            return false;
        }
    };
    /** Per batch in flight that left an expiry out: where in its arguments, and what to send instead. */
    private final Map<Batch, Rearm> skipped = new IdentityHashMap<>();

    /** At a new day of this process, forgets the keys of the old one and the sketches before yesterday. */
    void startDay(LocalDate day) {
        if (day.equals(today)) {
            return;
        }
        today = day;
        expirySet.clear();
        LocalDate yesterday = day.minusDays(1);
        for (var it = sketches.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (e.getKey().day().isBefore(yesterday)) {
                ids -= e.getValue().n;
                it.remove();
            }
        }
    }

    /**
     * {@code byTenant} without the visitor ids each sketch is known to hold; a delta left with neither
     * an increment nor an id goes. The lists given are not changed.
     */
    Map<String, List<Delta>> unsent(Map<String, List<Delta>> byTenant) {
        if (sketches.isEmpty()) {
            return byTenant;
        }
        Map<String, List<Delta>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Delta>> t : byTenant.entrySet()) {
            List<Delta> kept = new ArrayList<>(t.getValue().size());
            for (Delta d : t.getValue()) {
                Ids known = d.visitors().length == 0 ? null : sketches.get(new Sketch(t.getKey(), d.day(), d.counter()));
                if (known == null) {
                    kept.add(d);
                    continue;
                }
                long[] fresh = known.without(d.visitors());
                if (fresh.length > 0 || d.inc() != 0) {
                    kept.add(fresh.length == d.visitors().length ? d : new Delta(d.day(), d.counter(), d.inc(), fresh));
                }
            }
            if (!kept.isEmpty()) {
                out.put(t.getKey(), kept);
            }
        }
        return out;
    }

    /**
     * The expiry APPLY gets for {@code tenant}'s {@code day} (argument {@code j} of the days): "0" (leave it)
     * when set today, with the fates hash's too when the batch carries fates of that day; else {@code ttl}.
     */
    String dayExpiry(String tenant, LocalDate day, boolean withFates, String ttl, Skips skips, int j) {
        if (expirySet.contains(BatchProtocol.dayKey(tenant, day))
                && (!withFates || expirySet.contains(RedisFates.fatesKey(tenant, day)))) {
            skips.day(j, ttl);
            return "0";
        }
        return ttl;
    }

    /**
     * The visitor count APPLY gets for {@code d} (element {@code t} of the triples): negative when the
     * sketch's expiry is known set, so the script sends no EXPIRE for it.
     */
    String visitorCount(String tenant, Delta d, Skips skips, int t) {
        String n = Integer.toString(d.visitors().length);
        if (d.visitors().length > 0 && sketches.containsKey(new Sketch(tenant, d.day(), d.counter()))) {
            skips.sketch(t, n);
            return "-" + n;
        }
        return n;
    }

    /** Collects, while a batch is built, the arguments that left an expiry out and what they would send instead. */
    static final class Skips {
        private final List<Integer> days = new ArrayList<>();
        private final List<String> ttls = new ArrayList<>();
        private final List<Integer> counts = new ArrayList<>();
        private final List<String> visitors = new ArrayList<>();

        /** The {@code j}-th day's expiry went as "0" instead of {@code ttl}. */
        void day(int j, String ttl) {
            days.add(j);
            ttls.add(ttl);
        }

        /** The triples' element {@code t} went as a negative visitor count instead of {@code n}. */
        void sketch(int t, String n) {
            counts.add(t);
            visitors.add(n);
        }
    }

    /** Where in a batch's arguments an expiry was left out, and what to send there instead. */
    private record Rearm(int[] at, String[] instead) {
    }

    /** {@code b} was built with {@code s}; its day expiries begin at argument {@code daysAt}, its triples at {@code triplesAt}. */
    void built(Batch b, Skips s, int daysAt, int triplesAt) {
        int n = s.days.size() + s.counts.size();
        if (n == 0) {
            return;
        }
        int[] at = new int[n];
        String[] instead = new String[n];
        int i = 0;
        for (int j = 0; j < s.days.size(); j++, i++) {
            at[i] = daysAt + s.days.get(j);
            instead[i] = s.ttls.get(j);
        }
        for (int j = 0; j < s.counts.size(); j++, i++) {
            at[i] = triplesAt + s.counts.get(j);
            instead[i] = s.visitors.get(j);
        }
        skipped.put(b, new Rearm(at, instead));
    }

    /** {@code b} is in Redis: its day hashes, fates hashes and sketches now expire, its ids are held. */
    void confirmed(Batch b) {
        skipped.remove(b);
        Set<String> setNow = new HashSet<>();
        for (int k = 1; k <= b.dayKeys(); k++) {
            if (!"0".equals(b.args[k])) {
                setNow.add(b.keys[k]);
            }
        }
        expirySet.addAll(setNow);
        for (Delta d : b.deltas) {
            if (d.counter().indexOf(RedisFates.SEPARATOR) >= 0) {
                if (setNow.contains(BatchProtocol.dayKey(b.tenant, d.day()))) {
                    expirySet.add(RedisFates.fatesKey(b.tenant, d.day()));
                }
            } else if (d.visitors().length > 0) {
                Ids held = sketches.computeIfAbsent(new Sketch(b.tenant, d.day(), d.counter()), s -> new Ids());
                ids -= held.n;
                held.addAll(d.visitors());
                ids += held.n;
            }
        }
        for (var eldest = sketches.values().iterator(); ids > MAX_IDS && eldest.hasNext();) {
            ids -= eldest.next().n;
            eldest.remove();
        }
    }

    /** Redis lost its scripts, so maybe its data: forget all, and give the batches in flight their expiries back. */
    void scriptCacheLost(List<Batch> inFlight) {
        expirySet.clear();
        sketches.clear();
        ids = 0;
        for (Batch b : inFlight) {
            Rearm r = skipped.remove(b);
            if (r != null) {
                for (int i = 0; i < r.at().length; i++) {
                    b.args[r.at()[i]] = r.instead()[i];
                }
            }
        }
    }

    /** Sketches remembered, for tests. */
    int sketches() {
        return sketches.size();
    }

    /** The last ids a sketch took (at most {@value #IDS_PER_SKETCH}, growing as needed), oldest overwritten first. */
    private static final class Ids {
        private long[] ids = new long[2];
        private int n;
        private int next;

        void addAll(long[] add) {
            for (int i = Math.max(0, add.length - IDS_PER_SKETCH); i < add.length; i++) {
                if (contains(add[i])) {
                    continue;
                }
                if (n == ids.length && n < IDS_PER_SKETCH) {
                    ids = Arrays.copyOf(ids, Math.min(IDS_PER_SKETCH, 2 * n));
                    next = n;
                }
                ids[next] = add[i];
                next = (next + 1) % ids.length;
                n = Math.min(n + 1, ids.length);
            }
        }

        boolean contains(long id) {
            for (int i = 0; i < n; i++) {
                if (ids[i] == id) {
                    return true;
                }
            }
            return false;
        }

        long[] without(long[] from) {
            long[] out = null;
            int k = 0;
            for (int i = 0; i < from.length; i++) {
                if (contains(from[i])) {
                    if (out == null) {
                        out = Arrays.copyOf(from, from.length);
                        k = i;
                    }
                } else if (out != null) {
                    out[k++] = from[i];
                }
            }
            return out == null ? from : Arrays.copyOf(out, k);
        }
    }
}
