package io.restycounter.core.redis;

import io.lettuce.core.api.StatefulConnection;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
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

    /** One counter's read: its counts so far and the batches whose marker it asked about. */
    private record Read(long[] counts, List<Batch> unknown, CountReads.Sent sent) {
    }

    /** The first counter's read is awaited alone, then every other read goes out before the next answer is awaited. */
    List<SortedMap<LocalDate, Long>> read(StatefulConnection<String, String> query, String tenant,
            List<String> counters, LocalDate from, int days) throws StoreException {
        LocalDate to = from.plusDays(days - 1L);
        List<Batch> flying = batches.inFlight();
        List<Read> sent = new ArrayList<>(counters.size());
        for (String counter : counters) {
            CounterKey key = new CounterKey(tenant, counter);
            long[] counts = new long[days];
            List<String> keys = new ArrayList<>(days);
            for (int i = 0; i < days; i++) {
                keys.add(BatchProtocol.dayKey(tenant, from.plusDays(i)));
                counts[i] = deltas.pending(key, from.plusDays(i));
            }
            List<Batch> unknown = new ArrayList<>();
            for (Batch b : flying) {
                if (b.tenant.equals(tenant) && b.touches(counter, from, to)) {
                    unknown.add(b);
                    keys.add(b.marker);
                }
            }
            sent.add(new Read(counts, unknown, reads.send(query, keys, counter, days)));
            if (sent.size() == 1 && counters.size() > 1) {
                reads.await(sent.get(0).sent); // a Redis that lost its scripts learns READ once, not once per counter
            }
        }
        List<SortedMap<LocalDate, Long>> out = new ArrayList<>(counters.size());
        for (int k = 0; k < counters.size(); k++) {
            Read r = sent.get(k);
            List<Object> reply = reads.await(r.sent);
            for (int i = 0; i < days; i++) {
                r.counts[i] += Long.parseLong(reply.get(i).toString());
            }
            for (int j = 0; j < r.unknown.size(); j++) {
                if (((Long) reply.get(days + j)) == 0) {
                    for (int i = 0; i < days; i++) {
                        r.counts[i] += r.unknown.get(j).delta(counters.get(k), from.plusDays(i));
                    }
                }
            }
            SortedMap<LocalDate, Long> byDay = new TreeMap<>();
            for (int i = 0; i < days; i++) {
                byDay.put(from.plusDays(i), r.counts[i]);
            }
            out.add(byDay);
        }
        return out;
    }
}
