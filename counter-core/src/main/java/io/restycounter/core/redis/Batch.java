package io.restycounter.core.redis;

import io.lettuce.core.RedisFuture;
import java.time.LocalDate;
import java.util.List;

/**
 * One script call of {@link BatchProtocol}: immutable, so a retry sends exactly what the first attempt
 * sent; only the expiries it left out are given back after a lost script cache ({@link SentToday}).
 */
final class Batch {

    final String tenant;
    final String marker;
    final String[] keys;
    final String[] args;
    final List<Delta> deltas;
    /**
     * An attempt failed or timed out, so the client may still hold a copy it sends later (Lettuce
     * re-sends commands after a reconnect, and a cluster follows MOVED to a new primary). Such a
     * batch's marker is never deleted but left to expire, so a late copy finds it and adds nothing.
     * Written under the flush lock.
     */
    boolean unsure;
    /** The attempt the flusher sent and has not taken the reply of yet, or null. Under the flush lock. */
    RedisFuture<Long> attempt;
    /** When {@link #attempt} was sent, by {@link System#nanoTime()}. */
    long sentNanos;
    /** Attempts that failed or timed out in a row; the next waits a back-off that doubles with each. */
    int failures;
    /** Not to be sent again before this {@link System#nanoTime()}. */
    long retryNanos;
    /** Redis lost its script cache: the next attempt sends the script itself. */
    boolean needsEval;

    Batch(String tenant, String[] keys, String[] args, List<Delta> deltas) {
        this.tenant = tenant;
        this.marker = keys[0];
        this.keys = keys;
        this.args = args;
        this.deltas = deltas;
    }

    /** How many day hashes the batch writes: KEYS holds the marker, the day hashes, then as many node hashes. */
    int dayKeys() {
        return (keys.length - 1) / 2;
    }

    long delta(String counter, LocalDate day) {
        long sum = 0;
        for (Delta d : deltas) {
            if (d.day().equals(day) && d.counter().equals(counter)) {
                sum += d.inc();
            }
        }
        return sum;
    }

    boolean touches(String counter, LocalDate from, LocalDate to) {
        for (Delta d : deltas) {
            if (d.counter().equals(counter) && !d.day().isBefore(from) && !d.day().isAfter(to)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a delta of a counter starting with {@code prefix} (an hour of {@link RedisHours}) is in the range. */
    boolean touchesPrefix(String prefix, LocalDate from, LocalDate to) {
        for (Delta d : deltas) {
            if (d.counter().startsWith(prefix) && !d.day().isBefore(from) && !d.day().isAfter(to)) {
                return true;
            }
        }
        return false;
    }

    boolean hasDay(LocalDate day) {
        for (Delta d : deltas) {
            if (d.day().equals(day)) {
                return true;
            }
        }
        return false;
    }

    /** How many hits the batches carry. */
    static long hits(List<Batch> batches) {
        long sum = 0;
        for (Batch b : batches) {
            for (Delta d : b.deltas) {
                if (d.isCount()) {
                    sum += d.inc();
                }
            }
        }
        return sum;
    }

    /** How many (counter, day) entries the batches carry. */
    static int entries(List<Batch> batches) {
        int n = 0;
        for (Batch b : batches) {
            n += b.deltas.size();
        }
        return n;
    }
}
