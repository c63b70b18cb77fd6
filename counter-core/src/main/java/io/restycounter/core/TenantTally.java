package io.restycounter.core;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Sums per tenant and kind (a hit's fate, by ordinal), for metrics that carry a tenant label. At most
 * {@code maxTenants} tenants get sums of their own, the first ones seen; every later tenant adds to
 * {@link #OTHER}, so a million tenants (or a flood of made-up ones) cannot make a million series. A
 * known tenant costs a map read and a LongAdder increment, nothing allocated.
 */
public final class TenantTally {

    /** The label of the tenants past the limit: not a valid tenant name, so it never collides with one. */
    public static final String OTHER = "_other";

    private final int kinds;
    private final int maxTenants;
    private final ConcurrentHashMap<String, LongAdder[]> sums = new ConcurrentHashMap<>();
    private final LongAdder[] other;
    private final List<Consumer<String>> onNewLabel = new CopyOnWriteArrayList<>();
    private volatile boolean full;

    public TenantTally(int kinds, int maxTenants) {
        if (kinds < 1 || maxTenants < 1) {
            throw new IllegalArgumentException("kinds and maxTenants must be at least 1");
        }
        this.kinds = kinds;
        this.maxTenants = maxTenants;
        this.other = adders(kinds);
    }

    public void add(String tenant, int kind) {
        LongAdder[] a = sums.get(tenant);
        if (a == null) {
            a = full ? other : admit(tenant);
        }
        a[kind].increment();
    }

    /** The sum of {@code kind} for a label ({@link #labels()}), 0 for one never seen. */
    public long count(String label, int kind) {
        LongAdder[] a = OTHER.equals(label) ? other : sums.get(label);
        return a == null ? 0 : a[kind].sum();
    }

    /** The tenants with sums of their own, and {@link #OTHER} once a tenant went past the limit. */
    public Set<String> labels() {
        Set<String> out = new TreeSet<>(sums.keySet());
        if (full) {
            out.add(OTHER);
        }
        return out;
    }

    /**
     * Calls {@code listener} with every label already there and then once with each new one, on the thread
     * whose hit made it: at most {@code maxTenants + 1} calls in all.
     */
    public void onNewLabel(Consumer<String> listener) {
        synchronized (this) {
            onNewLabel.add(listener);
            labels().forEach(listener);
        }
    }

    private synchronized LongAdder[] admit(String tenant) {
        LongAdder[] a = sums.get(tenant);
        if (a != null) {
            return a;
        }
        if (sums.size() >= maxTenants) {
            if (!full) {
                full = true;
                onNewLabel.forEach(l -> l.accept(OTHER));
            }
            return other;
        }
        a = adders(kinds);
        sums.put(tenant, a);
        onNewLabel.forEach(l -> l.accept(tenant));
        return a;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
