package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the visitors of {@link PendingVisits} into 64-bit visitor ids, off the request thread: the
 * SipHash-2-4, keyed with the salt of the visitor's tenant and period, of the tenant, the client
 * address and the User-Agent. Salts are cached per tenant and period until the period ends; the
 * missing ones are fetched in one {@link Salts#resolve} call per drain. Visitors whose salt cannot be
 * had (Redis down at the first hit of a period) are left out of uniques and counted: their address and
 * user agent are never kept past the drain. Used by one thread at a time (the flusher).
 */
public final class VisitorHasher {

    /** What a drain hands each visitor id to. */
    @FunctionalInterface
    public interface Sink {
        void accept(CounterKey key, LocalDate day, long visitor);
    }

    private static final Logger LOG = LoggerFactory.getLogger(VisitorHasher.class);

    private final Salts salts;
    private final VisitorPeriods periods;
    private final Clock clock;
    private final Map<Salt.SaltKey, Salt> cache = new HashMap<>();
    private long evictAt = Long.MIN_VALUE;
    private long leftOut;
    private boolean failing;
    private long retryAt;
    /** After salts could not be had, how long flushes go on without asking again. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(5);

    // One drain's visitors, reused: the flusher drains every few tens of milliseconds.
    private final List<CounterKey> keys = new ArrayList<>();
    private final List<LocalDate> days = new ArrayList<>();
    private final List<Salt.SaltKey> saltKeys = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final List<String> agents = new ArrayList<>();

    public VisitorHasher(Salts salts, VisitorPeriods periods, Clock clock) {
        this.salts = salts;
        this.periods = periods;
        this.clock = clock;
    }

    /** Takes every visitor waiting in {@code pending} and hands its id to {@code sink}. */
    public void drain(PendingVisits pending, Sink sink) {
        evictEndedPeriods();
        Map<String, Map<LocalDate, Salt.SaltKey>> memo = new HashMap<>();
        Set<Salt.SaltKey> missing = new HashSet<>();
        pending.drain((key, day, address, agent) -> {
            Salt.SaltKey sk = memo.computeIfAbsent(key.tenant(), t -> new HashMap<>())
                    .computeIfAbsent(day, d -> periods.saltKey(key.tenant(), d));
            if (!cache.containsKey(sk)) {
                missing.add(sk);
            }
            keys.add(key);
            days.add(day);
            saltKeys.add(sk);
            addresses.add(address);
            agents.add(agent);
        });
        try {
            if (!missing.isEmpty()) {
                fetch(missing);
            }
            for (int i = 0; i < keys.size(); i++) {
                Salt salt = cache.get(saltKeys.get(i));
                if (salt == null) {
                    leftOut++;
                    continue;
                }
                sink.accept(keys.get(i), days.get(i), id(salt, keys.get(i).tenant(), addresses.get(i), agents.get(i)));
            }
        } finally {
            keys.clear();
            days.clear();
            saltKeys.clear();
            addresses.clear();
            agents.clear();
        }
    }

    private void fetch(Set<Salt.SaltKey> missing) {
        if (failing && System.nanoTime() - retryAt < 0) {
            return; // the salts failed a moment ago: no flush waits on them again before the back-off
        }
        try {
            cache.putAll(salts.resolve(missing));
            if (failing) {
                failing = false;
                LOG.info("visitor salts can be had again: unique visitors are counted");
            }
        } catch (Exception e) {
            retryAt = System.nanoTime() + RETRY_AFTER.toNanos();
            if (!failing) {
                failing = true;
                LOG.warn("cannot get the visitor salts of {} tenant periods ({}): their new visitors are left out of "
                        + "unique visitors (their hits still count) until the salts can be had", missing.size(),
                        e.getMessage());
            }
        }
    }

    /**
     * Forgets the salts of periods that have ended: no one can hash with them again. Every quarter of an
     * hour, as tenants' days end at the quarter hours of their zones.
     */
    private void evictEndedPeriods() {
        Instant now = clock.instant();
        if (now.toEpochMilli() < evictAt) {
            return;
        }
        evictAt = VisitorPeriods.nextQuarterHour(now);
        cache.keySet().removeIf(k -> !k.end().isAfter(now));
    }

    /** Visitors left out because their salt could not be had, since start. */
    public long leftOut() {
        return leftOut;
    }

    /** The visitor id: SipHash-2-4 under the salt of tenant, 0, address, 0, user agent (UTF-8). */
    static long id(Salt salt, String tenant, String address, String agent) {
        byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
        byte[] a = address == null ? new byte[0] : address.getBytes(StandardCharsets.UTF_8);
        byte[] u = agent == null ? new byte[0] : agent.getBytes(StandardCharsets.UTF_8);
        byte[] m = new byte[t.length + a.length + u.length + 2];
        System.arraycopy(t, 0, m, 0, t.length);
        System.arraycopy(a, 0, m, t.length + 1, a.length);
        System.arraycopy(u, 0, m, t.length + a.length + 2, u.length);
        return SipHash.hash(salt.k0, salt.k1, m, m.length);
    }
}
