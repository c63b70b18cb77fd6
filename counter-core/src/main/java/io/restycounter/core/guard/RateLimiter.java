package io.restycounter.core.guard;

import io.restycounter.core.geoip.InetAddresses;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per client address: {@code rate} hits a second, bursts of {@code burst}. Each bucket
 * has its own lock, so clients never wait on each other. Memory is bounded: past {@code maxClients}
 * buckets, those that have refilled (they hold no state worth keeping) are dropped, and when a flood
 * of distinct addresses leaves too few to drop, the least recently used tenth goes: the clients seen
 * lately keep their buckets, so a flood cannot hand an abusive client a fresh burst. The sweep runs on
 * one thread at a time, only when a new client finds the table full, and frees room for a tenth of it,
 * so its cost spreads over many new clients. IPv6 clients are limited per /64, the block one
 * subscriber usually holds.
 */
public final class RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);

    private static final class Bucket {
        private double tokens;
        private long lastMillis;

        Bucket(double tokens, long lastMillis) {
            this.tokens = tokens;
            this.lastMillis = lastMillis;
        }
    }

    private final double ratePerMilli;
    private final double burst;
    private final int maxClients;
    private final long refillMillis;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Written under {@code sweeping}. */
    private boolean warned;

    public RateLimiter(double perSecond, int burst, int maxClients) {
        if (perSecond <= 0 || burst < 1 || maxClients < 1) {
            throw new IllegalArgumentException("rate limiter: rate, burst and maxClients must be positive");
        }
        this.ratePerMilli = perSecond / 1000.0;
        this.burst = burst;
        this.maxClients = maxClients;
        this.refillMillis = (long) Math.ceil(burst / ratePerMilli);
    }

    /** Takes one token for {@code client}; false when its bucket is empty. */
    public boolean tryAcquire(String client, long nowMillis) {
        String key = keyOf(client);
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= maxClients) {
                sweep(nowMillis);
            }
            bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowMillis));
        }
        synchronized (bucket) {
            long elapsed = Math.max(0, nowMillis - bucket.lastMillis);
            bucket.tokens = Math.min(burst, bucket.tokens + elapsed * ratePerMilli);
            bucket.lastMillis = Math.max(bucket.lastMillis, nowMillis);
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    int trackedClients() {
        return buckets.size();
    }

    private void sweep(long nowMillis) {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
                Bucket b = it.next().getValue();
                synchronized (b) {
                    if (nowMillis - b.lastMillis >= refillMillis) {
                        it.remove();
                    }
                }
            }
            if (buckets.size() >= maxClients) {
                evictLeastRecentlyUsed();
            }
        } finally {
            sweeping.set(false);
        }
    }

    /** Drops the least recently used buckets until a tenth of {@code maxClients} is free. */
    private void evictLeastRecentlyUsed() {
        int target = maxClients - Math.max(1, maxClients / 10);
        long[] last = new long[buckets.size() + 64];
        int n = 0;
        for (Bucket b : buckets.values()) {
            if (n == last.length) {
                break;
            }
            synchronized (b) {
                last[n++] = b.lastMillis;
            }
        }
        int evict = buckets.size() - target;
        if (evict <= 0 || n == 0) {
            return;
        }
        long[] sorted = Arrays.copyOf(last, n);
        Arrays.sort(sorted);
        long cutoff = sorted[Math.min(evict, n) - 1];
        int evicted = 0;
        for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext() && evicted < evict; ) {
            Bucket b = it.next().getValue();
            synchronized (b) {
                if (b.lastMillis <= cutoff) {
                    it.remove();
                    evicted++;
                }
            }
        }
        if (!warned) {
            warned = true;
            LOG.warn("rate limiter: more than RATE_LIMIT_CLIENTS={} distinct clients within {} ms; forgetting "
                    + "the least recently seen (said once)", maxClients, refillMillis);
        }
    }

    /** The client itself, or for IPv6 its /64 (the first four groups of a full or compressed literal). */
    static String keyOf(String client) {
        if (client == null) {
            return "";
        }
        if (client.indexOf(':') < 0) {
            return client;
        }
        java.net.InetAddress address = InetAddresses.parseLiteral(client);
        if (address == null || address.getAddress().length != 16) {
            return client;
        }
        byte[] b = address.getAddress();
        StringBuilder s = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        }
        return s.append(":/64").toString();
    }
}
