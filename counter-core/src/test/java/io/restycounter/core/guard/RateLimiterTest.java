package io.restycounter.core.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void aBurstThenTheRate() {
        RateLimiter limiter = new RateLimiter(10, 10, 1000);
        long t = 1_000_000;
        for (int i = 0; i < 10; i++) {
            assertTrue(limiter.tryAcquire("203.0.113.1", t), "burst hit " + i);
        }
        assertFalse(limiter.tryAcquire("203.0.113.1", t));
        assertFalse(limiter.tryAcquire("203.0.113.1", t + 99), "a token takes 100 ms at 10/s");
        assertTrue(limiter.tryAcquire("203.0.113.1", t + 100));
        assertFalse(limiter.tryAcquire("203.0.113.1", t + 150));
        assertTrue(limiter.tryAcquire("203.0.113.1", t + 10_000));
    }

    @Test
    void clientsHaveTheirOwnBuckets() {
        RateLimiter limiter = new RateLimiter(1, 1, 1000);
        assertTrue(limiter.tryAcquire("203.0.113.1", 0));
        assertFalse(limiter.tryAcquire("203.0.113.1", 0));
        assertTrue(limiter.tryAcquire("203.0.113.2", 0));
    }

    @Test
    void ipv6IsLimitedPerSlash64() {
        assertEquals(RateLimiter.keyOf("2001:db8:1:2::1"), RateLimiter.keyOf("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assertEquals("2001:db8:1:2::/64", RateLimiter.keyOf("2001:0db8:0001:0002:0:0:0:9"));
        assertFalse(RateLimiter.keyOf("2001:db8:1:2::1").equals(RateLimiter.keyOf("2001:db8:1:3::1")));
        RateLimiter limiter = new RateLimiter(1, 1, 1000);
        assertTrue(limiter.tryAcquire("2001:db8:1:2::1", 0));
        assertFalse(limiter.tryAcquire("2001:db8:1:2::2", 0), "same /64, same bucket");
    }

    @Test
    void memoryStaysBoundedUnderAFloodOfDistinctAddresses() {
        RateLimiter limiter = new RateLimiter(10, 10, 1000);
        for (int i = 0; i < 100_000; i++) {
            String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            assertTrue(limiter.tryAcquire(ip, i / 100));
            assertTrue(limiter.trackedClients() <= 1001, "tracked " + limiter.trackedClients());
        }
    }

    @Test
    void refilledBucketsAreTheFirstToGo() {
        RateLimiter limiter = new RateLimiter(1, 1, 2);
        assertTrue(limiter.tryAcquire("a", 0));
        assertTrue(limiter.tryAcquire("b", 5_000));
        assertFalse(limiter.tryAcquire("b", 5_000));
        assertTrue(limiter.tryAcquire("c", 5_500), "a has refilled and is dropped to make room");
        assertFalse(limiter.tryAcquire("b", 5_500), "b is still remembered as empty");
    }

    /** Issue 16: a flood of distinct addresses past RATE_LIMIT_CLIENTS made the limiter forget every bucket. */
    @Test
    void aFloodEvictsTheLeastRecentlyUsedNotTheClientsSeenLately() {
        RateLimiter limiter = new RateLimiter(1, 1, 10);
        long t = 1_000;
        assertTrue(limiter.tryAcquire("203.0.113.9", t));
        for (int i = 0; i < 200; i++) {
            assertTrue(limiter.tryAcquire("10.0.0." + i, t + i), "a new client gets its burst");
            assertFalse(limiter.tryAcquire("203.0.113.9", t + i), "the busy client stays limited, hit " + i);
            assertTrue(limiter.trackedClients() <= 11, "tracked " + limiter.trackedClients());
        }
        assertTrue(limiter.trackedClients() >= 5, "most buckets are kept, tracked " + limiter.trackedClients());
    }
}
