package io.restycounter.core.guard;

import java.time.LocalDate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant quotas on this node: hits a second across the tenant, and new counters a day. "New" means
 * a counter name this node has not counted for the tenant today: each tenant-day keeps the set of names
 * it counted, at most its quota of them, so a tenant can make the node hold no more names than its
 * quota; the sets go at the tenant's midnight (its day is the one the engine dates its hit on: its own
 * time zone's). With several nodes, each node holds each quota (no shared state on the
 * pixel path). Lock-free: a map read, a set lookup and, with a rate quota, one CAS per hit. Every
 * refusal is counted, and the log gets one line per tenant per minute while a tenant is refused.
 */
public final class TenantQuotas {

    private static final Logger LOG = LoggerFactory.getLogger(TenantQuotas.class);

    /** What the quotas say of one hit. */
    public enum Verdict { OK, OVER_RATE, OVER_NEW_COUNTERS }

    private final long maxNamesOfOpenTenants;
    /** The days tenants are on: the newest {@value #KEPT_DAYS}, as tenants' dates run up to two apart. */
    private final ConcurrentHashMap<LocalDate, Day> days = new ConcurrentHashMap<>();
    private final AtomicReference<LocalDate> newest = new AtomicReference<>();
    static final int KEPT_DAYS = 3;

    /**
     * @param maxNamesOfOpenTenants names held, across all tenants not in the registry, on one day: past
     *                              it their new counters are no longer remembered, so made-up tenants
     *                              cannot make the node hold names without end. Those tenants then count
     *                              as the seed did, without a new-counter quota, until midnight: an open
     *                              tenant's quota is best effort, never a reason to refuse the honest ones
     */
    public TenantQuotas(long maxNamesOfOpenTenants) {
        this.maxNamesOfOpenTenants = maxNamesOfOpenTenants;
    }

    private static final class Day {
        final LocalDate day;
        final ConcurrentHashMap<String, TenantDay> tenants = new ConcurrentHashMap<>();
        final AtomicLong openNames = new AtomicLong();
        final AtomicBoolean openBoundSaid = new AtomicBoolean();

        Day(LocalDate day) {
            this.day = day;
        }
    }

    private static final class TenantDay {
        /** The current second in the high 32 bits, hits in it in the low 32. */
        final AtomicLong window = new AtomicLong();
        final Set<String> names = ConcurrentHashMap.newKeySet();
        final AtomicInteger nameCount = new AtomicInteger();
        final AtomicLong warnedMinute = new AtomicLong(Long.MIN_VALUE);
        final LongAdder overRate = new LongAdder();
        final LongAdder overNew = new LongAdder();
    }

    /**
     * Whether a hit of {@code tenant} on {@code counter} may count.
     *
     * @param maxHitsPerSecond      0 for no rate quota
     * @param maxNewCountersPerDay  names this node may count for the tenant today
     * @param registered            whether the tenant is in the registry (else it shares the open tenants' bound)
     */
    public Verdict check(String tenant, String counter, LocalDate day, long nowMillis, int maxHitsPerSecond,
            long maxNewCountersPerDay, boolean registered) {
        Day d = day(day);
        TenantDay t = d.tenants.get(tenant);
        if (t == null) {
            if (!registered && d.openNames.get() >= maxNamesOfOpenTenants) {
                openBoundReached(d);
                return Verdict.OK;
            }
            t = d.tenants.computeIfAbsent(tenant, k -> new TenantDay());
        }
        if (maxHitsPerSecond > 0 && !tryRate(t, nowMillis / 1000, maxHitsPerSecond)) {
            t.overRate.increment();
            warn(tenant, t, nowMillis, maxHitsPerSecond, maxNewCountersPerDay);
            return Verdict.OVER_RATE;
        }
        if (!t.names.contains(counter) && !tryName(d, t, counter, maxNewCountersPerDay, registered)) {
            t.overNew.increment();
            warn(tenant, t, nowMillis, maxHitsPerSecond, maxNewCountersPerDay);
            return Verdict.OVER_NEW_COUNTERS;
        }
        return Verdict.OK;
    }

    /** Names held for {@code tenant} today, for tests and metrics. */
    public int namesToday(String tenant) {
        LocalDate latest = null;
        TenantDay found = null;
        for (Day d : days.values()) {
            TenantDay t = d.tenants.get(tenant);
            if (t != null && (latest == null || d.day.isAfter(latest))) {
                latest = d.day;
                found = t;
            }
        }
        return found == null ? 0 : found.nameCount.get();
    }

    private Day day(LocalDate day) {
        Day d = days.get(day);
        if (d != null) {
            return d;
        }
        LocalDate top = newest.accumulateAndGet(day, (a, b) -> a == null || b.isAfter(a) ? b : a);
        LocalDate oldest = top.minusDays(KEPT_DAYS - 1);
        if (day.isBefore(oldest)) {
            day = oldest; // a hit stamped before every tenant's today, after the roll: the oldest sets kept take it
        }
        d = days.computeIfAbsent(day, Day::new);
        days.keySet().removeIf(k -> k.isBefore(oldest));
        return d;
    }

    private void openBoundReached(Day d) {
        if (d.openNames.get() >= maxNamesOfOpenTenants && d.openBoundSaid.compareAndSet(false, true)) {
            LOG.warn("{} counter names of tenants not in the registry remembered on {}: their new-counter "
                    + "quota is not applied until midnight (register a tenant to give it one it keeps)",
                    maxNamesOfOpenTenants, d.day);
        }
    }

    private static boolean tryRate(TenantDay t, long second, int max) {
        while (true) {
            long w = t.window.get();
            long next;
            if (w >>> 32 != (second & 0xffffffffL)) {
                next = (second << 32) | 1;
            } else if ((int) w >= max) {
                return false;
            } else {
                next = w + 1;
            }
            if (t.window.compareAndSet(w, next)) {
                return true;
            }
        }
    }

    private boolean tryName(Day d, TenantDay t, String counter, long max, boolean registered) {
        if (t.nameCount.incrementAndGet() > max) {
            t.nameCount.decrementAndGet();
            return false;
        }
        if (!registered && d.openNames.incrementAndGet() > maxNamesOfOpenTenants) {
            d.openNames.decrementAndGet();
            t.nameCount.decrementAndGet();
            openBoundReached(d);
            return true;
        }
        if (!t.names.add(counter)) {
            // Another thread added it first: give the reserved place back.
            t.nameCount.decrementAndGet();
            if (!registered) {
                d.openNames.decrementAndGet();
            }
        }
        return true;
    }

    private static void warn(String tenant, TenantDay t, long nowMillis, int maxHitsPerSecond, long maxNew) {
        long minute = nowMillis / 60_000;
        long warned = t.warnedMinute.get();
        if (warned != minute && t.warnedMinute.compareAndSet(warned, minute)) {
            LOG.warn("tenant {} over quota: {} hits refused with 429 (max-hits-per-second {}), {} with 403 "
                    + "(max-new-counters-per-day {}) since the last such line; none of them counted",
                    tenant, t.overRate.sumThenReset(), maxHitsPerSecond == 0 ? "off" : maxHitsPerSecond,
                    t.overNew.sumThenReset(), maxNew);
        }
    }
}
