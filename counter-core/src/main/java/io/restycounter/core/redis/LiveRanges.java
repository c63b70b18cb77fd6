package io.restycounter.core.redis;

import io.lettuce.core.api.StatefulConnection;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Live counts of some counters of one tenant over some days: what Redis confirmed, plus this node's
 * pending deltas, plus the batches in flight whose marker Redis does not have yet (not applied: their
 * deltas still count here). Called under the store's move lock, so no delta moves between the three.
 */
final class LiveRanges {

    private final PendingDeltas deltas;
    private final BatchProtocol batches;
    private final CountReads reads;

    LiveRanges(PendingDeltas deltas, BatchProtocol batches, CountReads reads) {
        this.deltas = deltas;
        this.batches = batches;
        this.reads = reads;
    }

    /** Counters a READ_PAGE call reads at most: with the days, a call looks up at most about 4,000 fields. */
    static final int PAGE_FIELDS = 4000;

    /** One call's read: its first counter, its counters' counts so far, and the reply. */
    private record Read(int first, long[][] counts, CountReads.Sent sent) {
    }

    /**
     * Every counter's days in calls of at most {@value #PAGE_FIELDS} fields, all sent before the first
     * answer is awaited (the first call is awaited alone, so a Redis that lost its scripts learns READ_PAGE
     * once). Each call also asks whether the markers of the tenant's batches in flight exist: the deltas of a
     * batch whose marker is missing are not in Redis yet and count here.
     */
    List<SortedMap<LocalDate, Long>> read(StatefulConnection<String, String> query, String tenant,
            List<String> counters, LocalDate from, int days) throws StoreException {
        LocalDate to = from.plusDays(days - 1L);
        List<Batch> flying = new ArrayList<>();
        for (Batch b : batches.inFlight()) {
            if (b.tenant.equals(tenant)) {
                flying.add(b);
            }
        }
        List<String> keys = new ArrayList<>(days + flying.size());
        for (int i = 0; i < days; i++) {
            keys.add(BatchProtocol.dayKey(tenant, from.plusDays(i)));
        }
        for (Batch b : flying) {
            keys.add(b.marker);
        }
        int step = Math.max(1, Math.min(1000, PAGE_FIELDS / days));
        List<Read> sent = new ArrayList<>();
        for (int first = 0; first < counters.size(); first += step) {
            List<String> chunk = counters.subList(first, Math.min(counters.size(), first + step));
            long[][] counts = new long[chunk.size()][days];
            for (int c = 0; c < chunk.size(); c++) {
                CounterKey key = new CounterKey(tenant, chunk.get(c));
                for (int i = 0; i < days; i++) {
                    counts[c][i] = deltas.pending(key, from.plusDays(i));
                }
            }
            sent.add(new Read(first, counts, reads.sendPage(query, keys, chunk, days)));
            if (sent.size() == 1 && counters.size() > step) {
                reads.await(sent.get(0).sent);
            }
        }
        List<SortedMap<LocalDate, Long>> out = new ArrayList<>(counters.size());
        Map<String, Integer> index = new HashMap<>();
        for (Read r : sent) {
            List<Object> reply = reads.await(r.sent);
            for (int i = 0; i < days; i++) {
                List<?> values = (List<?>) reply.get(i);
                for (int c = 0; c < r.counts.length; c++) {
                    Object v = values.get(c);
                    r.counts[c][i] += v == null ? 0 : Long.parseLong(v.toString());
                }
            }
            index.clear();
            for (int c = 0; c < r.counts.length; c++) {
                index.putIfAbsent(counters.get(r.first + c), c);
            }
            for (int j = 0; j < flying.size(); j++) {
                if (((Long) reply.get(days + j)) == 0) { // not applied yet: its deltas are not in the counts read
                    for (Delta d : flying.get(j).deltas) {
                        Integer c = index.get(d.counter());
                        if (c != null && !d.day().isBefore(from) && !d.day().isAfter(to)) {
                            r.counts[c][(int) (d.day().toEpochDay() - from.toEpochDay())] += d.inc();
                        }
                    }
                }
            }
            for (int c = 0; c < r.counts.length; c++) {
                long[] counts = r.counts[index.get(counters.get(r.first + c))]; // a name asked twice: its first
                SortedMap<LocalDate, Long> byDay = new TreeMap<>();
                for (int i = 0; i < days; i++) {
                    byDay.put(from.plusDays(i), counts[i]);
                }
                out.add(byDay);
            }
        }
        return out;
    }
}
