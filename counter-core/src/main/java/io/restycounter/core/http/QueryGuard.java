package io.restycounter.core.http;

import io.restycounter.core.StoreException;
import io.restycounter.core.TenantKeys;
import io.restycounter.core.guard.RateLimiter;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What keeps queries from hurting counting, health and each other: at most {@link #NODE_QUERIES} queries
 * at once on a node and {@link #KEY_QUERIES} per key, and {@link #KEY_QUERIES_PER_SECOND} a second per tenant key; at most {@link #FAILED_KEYS_BURST} wrong keys in a row
 * per client address, then {@link #FAILED_KEYS_PER_SECOND} a second; tenant key digests held in memory for
 * {@link #KEYS_TTL_MILLIS}, so a wrong key costs no store call while they are fresh and a new key takes
 * effect within seconds (a revoked one at once).
 */
final class QueryGuard {

    static final int NODE_QUERIES = 16;
    static final int KEY_QUERIES = 4;
    /**
     * Queries a second one tenant key may start, after a burst of {@link #KEY_QUERIES_BURST}: enough for a
     * dashboard, not enough for one key to take the CPU that counting needs (docs/performance.md).
     */
    static final int KEY_QUERIES_PER_SECOND = 20;
    static final int KEY_QUERIES_BURST = 40;
    static final int FAILED_KEYS_BURST = 10;
    static final int FAILED_KEYS_PER_SECOND = 2;
    static final long KEYS_TTL_MILLIS = 5_000;
    /** What a query past the node's or its key's limits is told, with a 429. */
    static final String TOO_MANY = "query: too many queries on this node or with this key (at once, or this second), "
            + "try again later";
    /** Seconds a refused client is told to wait. */
    static final int RETRY_AFTER_SECONDS = 1;
    /** Addresses and tenants remembered; past it the least recently used go first. */
    static final int MAX_REMEMBERED = 10_000;

    private final TenantKeys keys;
    private final Semaphore node = new Semaphore(NODE_QUERIES);
    private final ConcurrentHashMap<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
    private final RateLimiter keyRates = new RateLimiter(KEY_QUERIES_PER_SECOND, KEY_QUERIES_BURST, MAX_REMEMBERED);
    private final Map<String, double[]> failures = lru();
    private final Map<String, CachedDigests> digests = lru();

    private record CachedDigests(Set<String> hex, long loadedAt) {
    }

    QueryGuard(TenantKeys keys) {
        this.keys = keys;
    }

    /**
     * A slot for one query with {@code key}, or null when the node or the key has as many as it may, or a
     * tenant key ({@code rated}; the operator's API key is not) started as many this second as it may.
     */
    Slot enter(String key, boolean rated, long now) {
        String id = TenantKeys.sha256Hex(key);
        if (rated && !keyRates.tryAcquire(id, now)) {
            return null;
        }
        if (!node.tryAcquire()) {
            return null;
        }
        AtomicInteger n = perKey.computeIfAbsent(id, k -> new AtomicInteger());
        if (n.incrementAndGet() > KEY_QUERIES) {
            leave(id, n);
            return null;
        }
        return () -> leave(id, n);
    }

    private void leave(String id, AtomicInteger n) {
        if (n.decrementAndGet() == 0) {
            perKey.remove(id, n);
        }
        node.release();
    }

    /** {@code body}, which gives {@code slot} back once it is written, or failed to be. */
    static HttpAnswer.BodyWriter releasing(Slot slot, HttpAnswer.BodyWriter body) {
        return out -> {
            try {
                body.writeTo(out);
            } finally {
                slot.close();
            }
        };
    }

    /** Ends one query's hold on its slot. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether {@code client} may present another key now: false past its failed-key budget. */
    boolean mayTry(String client, long now) {
        synchronized (failures) {
            double[] bucket = failures.get(client);
            return bucket == null || refill(bucket, now) >= 1;
        }
    }

    /** Charges {@code client} for a wrong key. */
    void failed(String client, long now) {
        synchronized (failures) {
            double[] bucket = failures.computeIfAbsent(client, c -> new double[] {FAILED_KEYS_BURST, now});
            refill(bucket, now);
            bucket[0] = Math.max(0, bucket[0] - 1);
        }
    }

    private static double refill(double[] bucket, long now) {
        double elapsed = Math.max(0, now - bucket[1]) / 1000.0;
        bucket[0] = Math.min(FAILED_KEYS_BURST, bucket[0] + elapsed * FAILED_KEYS_PER_SECOND);
        bucket[1] = now;
        return bucket[0];
    }

    /**
     * Whether {@code presented} is one of {@code tenant}'s keys. A key that is not among digests at most
     * {@link #KEYS_TTL_MILLIS} old is refused without a store call; a key that is among them is checked
     * against the store again, so a revoked key stops at once.
     */
    boolean accepts(String tenant, String presented, long now) throws StoreException {
        CachedDigests cached;
        synchronized (digests) {
            cached = digests.get(tenant);
        }
        byte[] digest = TenantKeys.sha256(presented);
        boolean fresh = cached != null && now >= cached.loadedAt && now - cached.loadedAt < KEYS_TTL_MILLIS;
        if (fresh && !matches(cached.hex, digest)) {
            return false;
        }
        cached = new CachedDigests(Set.copyOf(keys.digests(tenant)), now);
        synchronized (digests) {
            digests.put(tenant, cached);
        }
        return matches(cached.hex, digest);
    }

    /** Compares every digest in constant time, so the time taken does not say where a digest differs. */
    private static boolean matches(Set<String> hexDigests, byte[] digest) {
        boolean match = false;
        for (String hex : hexDigests) {
            try {
                match |= MessageDigest.isEqual(HexFormat.of().parseHex(hex), digest);
            } catch (IllegalArgumentException e) {
                // not a digest: matches nothing
            }
        }
        return match;
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_REMEMBERED;
            }
        };
    }

    /** The key a query presents: X-Api-Key, else Authorization: Bearer, else ?apikey=; null when none. */
    static String presentedKey(String rawQuery, String apiKeyHeader, String authorization) {
        if (apiKeyHeader != null && !apiKeyHeader.isEmpty()) {
            return apiKeyHeader;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String q = PathSegments.queryParam(rawQuery, "apikey");
        return q == null || q.isEmpty() || q == PathSegments.MALFORMED ? null : q;
    }
}
