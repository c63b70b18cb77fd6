package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Visitors noted by request threads and not yet hashed: references to the strings the front door
 * already parsed, in striped parallel arrays, so the hot path allocates nothing (past the arrays'
 * growth) and takes one short lock of its stripe, never a lock shared by all threads. At most
 * {@code max} wait; past that a visitor is left out of uniques (its hit still counts) and counted in
 * {@link #dropped()}. One drainer at a time swaps each stripe's arrays for its spare ones, so the
 * addresses and user agents it takes live no longer than until that drain.
 */
public final class PendingVisits {

    /** What a drain hands each visitor to. */
    @FunctionalInterface
    public interface Sink {
        void accept(CounterKey key, LocalDate day, String clientAddress, String userAgent);
    }

    private static final int FIRST_CAPACITY = 64;

    private final Stripe[] stripes;
    private final int mask;
    private final LongAdder dropped = new LongAdder();

    /** {@code max} visitors wait at most, spread over a power of two of stripes (about four per core). */
    public PendingVisits(int max) {
        int n = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() * 4 - 1)) << 1;
        n = Math.max(1, Math.min(n, Math.max(1, max)));
        stripes = new Stripe[n];
        int each = Math.max(1, max / n);
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe(each);
        }
        mask = n - 1;
    }

    /** The hot path: keeps the references; false when this stripe is full (the visitor is left out). */
    public boolean add(CounterKey key, LocalDate day, String clientAddress, String userAgent) {
        Stripe s = stripes[(int) Thread.currentThread().getId() & mask];
        synchronized (s) {
            if (s.add(key, day, clientAddress, userAgent)) {
                return true;
            }
        }
        dropped.increment();
        return false;
    }

    /** Takes every waiting visitor out and hands each to {@code sink}, off the request thread. */
    public void drain(Sink sink) {
        for (Stripe s : stripes) {
            s.drain(sink);
        }
    }

    /** Visitors waiting now. */
    public int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size;
            }
        }
        return n;
    }

    /** Visitors left out of uniques because too many waited, since start. */
    public long dropped() {
        return dropped.sum();
    }

    /** One stripe: the arrays threads add to, and the spare ones the drainer reads and clears. */
    private static final class Stripe {
        private final int max;
        private CounterKey[] keys = new CounterKey[FIRST_CAPACITY];
        private LocalDate[] days = new LocalDate[FIRST_CAPACITY];
        private String[] addresses = new String[FIRST_CAPACITY];
        private String[] agents = new String[FIRST_CAPACITY];
        private int size;
        private CounterKey[] spareKeys = new CounterKey[FIRST_CAPACITY];
        private LocalDate[] spareDays = new LocalDate[FIRST_CAPACITY];
        private String[] spareAddresses = new String[FIRST_CAPACITY];
        private String[] spareAgents = new String[FIRST_CAPACITY];

        Stripe(int max) {
            this.max = max;
        }

        /** Under the stripe's lock. */
        boolean add(CounterKey key, LocalDate day, String address, String agent) {
            if (size >= max) {
                return false;
            }
            if (size == keys.length) {
                int grown = (int) Math.min(max, 2L * size);
                keys = Arrays.copyOf(keys, grown);
                days = Arrays.copyOf(days, grown);
                addresses = Arrays.copyOf(addresses, grown);
                agents = Arrays.copyOf(agents, grown);
            }
            keys[size] = key;
            days[size] = day;
            addresses[size] = address;
            agents[size] = agent;
            size++;
            return true;
        }

        void drain(Sink sink) {
            CounterKey[] k;
            LocalDate[] d;
            String[] a;
            String[] u;
            int n;
            synchronized (this) {
                n = size;
                if (n == 0) {
                    return;
                }
                k = keys;
                d = days;
                a = addresses;
                u = agents;
                keys = spareKeys;
                days = spareDays;
                addresses = spareAddresses;
                agents = spareAgents;
                size = 0;
            }
            try {
                for (int i = 0; i < n; i++) {
                    sink.accept(k[i], d[i], a[i], u[i]);
                }
            } finally {
                Arrays.fill(k, 0, n, null);
                Arrays.fill(d, 0, n, null);
                Arrays.fill(a, 0, n, null);
                Arrays.fill(u, 0, n, null);
                synchronized (this) {
                    spareKeys = k;
                    spareDays = d;
                    spareAddresses = a;
                    spareAgents = u;
                }
            }
        }
    }
}
