package io.restycounter.core.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.UniqueVisitors;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unique visitors in a real Redis: HyperLogLogs written by the batches, salts shared by the nodes. */
class RedisUniquesIT {

    /** Monday 2026-11-30, 10:00 UTC. */
    private static final Instant MONDAY = Instant.parse("2026-11-30T10:00:00Z");
    private static final LocalDate MON = LocalDate.of(2026, 11, 30);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> redis;

    private final List<RedisCounterStore> stores = new ArrayList<>();
    private final MutableClock clock = new MutableClock(MONDAY);

    @BeforeAll
    static void startRedis() {
        server = RedisServer.launch();
        client = RedisClient.create(server.url());
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterAll
    static void stopRedis() {
        connection.close();
        client.shutdown();
        server.close();
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushall();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisCounterStore::close);
    }

    private RedisCounterStore store(String... settings) {
        Map<String, String> values = new HashMap<>();
        values.put("REDIS_URL", server.url());
        values.put("FLUSH_INTERVAL_MS", "60000"); // tests flush themselves
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        RedisCounterStore store = RedisCounterStore.connect(CounterConfig.from(Settings.of(values)), clock);
        stores.add(store);
        return store;
    }

    /** A hit and its visitor, as the engine hands them to the store. */
    private static void hit(RedisCounterStore store, CounterKey key, LocalDate day, String ip, String ua) {
        assertTrue(store.increment(key, day, 1));
        assertTrue(store.visit(key, day, ip, ua));
    }

    @Test
    void aVisitorIsOneUniqueWhateverItsHitsAndTheSketchSitsBesideTheDayHashWithItsExpiry() throws Exception {
        RedisCounterStore store = store();
        for (int i = 0; i < 5; i++) {
            hit(store, HOME, MON, "203.0.113.7", "Firefox");
        }
        hit(store, HOME, MON, "203.0.113.7", "Chrome"); // another browser on the same address: another visitor
        hit(store, HOME, MON, "198.51.100.1", "Firefox");
        store.flush();
        UniqueVisitors u = store.uniques(HOME, MON, MON);
        assertEquals(3, u.days().get(MON));
        assertEquals(3, u.total());
        assertEquals(7, store.get(HOME, MON));
        String sketch = "rcu:{acme}:20261130:home";
        assertEquals(3, redis.pfcount(sketch));
        long dayTtl = redis.ttl("rc:{acme}:20261130");
        long sketchTtl = redis.ttl(sketch);
        assertTrue(Math.abs(sketchTtl - dayTtl - 32 * 86_400L) <= 2,
                "kept UNIQUES_KEEP_DAYS (35) after its day, the day hash REDIS_EXPIRE_DAYS (3): " + sketchTtl + " vs " + dayTtl);
        for (String k : redis.keys("*")) {
            String type = redis.type(k);
            if (!"string".equals(type) || k.startsWith("rcs:")) {
                continue;
            }
            assertFalse(redis.get(k).contains("203.0.113.7"), "no key holds the address: " + k);
        }
    }

    @Test
    void withWeekARangeIsTheUnionOfItsDaysAndWithDayTheSumOfEachDay() throws Exception {
        RedisCounterStore week = store("UNIQUES_PERIOD", "week");
        CounterKey k = new CounterKey("weekly", "home");
        for (int d = 0; d < 3; d++) {
            clock.set(MONDAY.plusSeconds(86_400L * d));
            hit(week, k, MON.plusDays(d), "203.0.113.7", "Firefox");
            hit(week, k, MON.plusDays(d), "198.51.100." + d, "Firefox"); // one new visitor a day
            week.flush();
        }
        UniqueVisitors u = week.uniques(k, MON, MON.plusDays(2));
        assertEquals(List.of(2L, 2L, 2L), List.copyOf(u.days().values()));
        assertEquals(4, u.total(), "the returning visitor is one over the week: 1 + 3 new");

        RedisCounterStore daily = store();
        CounterKey j = new CounterKey("daily", "home");
        for (int d = 0; d < 3; d++) {
            clock.set(MONDAY.plusSeconds(86_400L * d));
            hit(daily, j, MON.plusDays(d), "203.0.113.7", "Firefox");
            daily.flush();
        }
        assertEquals(3, daily.uniques(j, MON, MON.plusDays(2)).total(), "with day, a returning visitor counts each day");
        assertEquals(3, redis.keys("rcs:{daily}:*").size(), "a salt per day");
    }

    @Test
    void aRangeAcrossTwoWeeksSumsEachWeeksUnion() throws Exception {
        RedisCounterStore week = store("UNIQUES_PERIOD", "week");
        LocalDate sunday = MON.minusDays(1);
        clock.set(MONDAY.minusSeconds(86_400));
        hit(week, HOME, sunday, "203.0.113.7", "Firefox");
        week.flush();
        clock.set(MONDAY);
        hit(week, HOME, MON, "203.0.113.7", "Firefox");
        hit(week, HOME, MON.plusDays(1), "203.0.113.7", "Firefox");
        week.flush();
        UniqueVisitors u = week.uniques(HOME, sunday, MON.plusDays(1));
        assertEquals(2, u.total(), "one in last week, one in this week: the weeks cannot be linked");
    }

    @Test
    void theSaltIsDeletedWhenItsPeriodEndsAndTheReturningVisitorIsNew() throws Exception {
        RedisCounterStore store = store();
        Instant almostMidnight = Instant.parse("2026-11-30T23:59:58Z");
        clock.set(almostMidnight);
        hit(store, HOME, MON, "203.0.113.7", "Firefox");
        store.flush();
        String salt = "rcs:{acme}:day-20261130";
        String secret = redis.get(salt);
        assertNotNull(secret);
        long ttl = redis.ttl(salt);
        assertTrue(ttl >= 1 && ttl <= 2, "expires at the end of the day: " + ttl);
        Thread.sleep(3_000); // Redis's own clock removes it
        assertNull(redis.get(salt), "the day's salt is gone");

        clock.set(Instant.parse("2026-12-01T00:00:05Z"));
        hit(store, HOME, MON.plusDays(1), "203.0.113.7", "Firefox");
        store.flush();
        String next = redis.get("rcs:{acme}:day-20261201");
        assertNotNull(next);
        assertNotEquals(secret, next);
        assertEquals(2, store.uniques(HOME, MON, MON.plusDays(1)).total(), "the same person counts again");
    }

    @Test
    void twoNodesCountOneVisitorOnceWithOneSalt() throws Exception {
        RedisCounterStore a = store("NODE_ID", "a");
        RedisCounterStore b = store("NODE_ID", "b");
        hit(a, HOME, MON, "203.0.113.7", "Firefox");
        a.flush();
        hit(b, HOME, MON, "203.0.113.7", "Firefox");
        hit(b, HOME, MON, "198.51.100.1", "Firefox");
        b.flush();
        assertEquals(2, a.uniques(HOME, MON, MON).total());
        assertEquals(2, b.uniques(HOME, MON, MON).total());
        assertEquals(3, a.get(HOME, MON));
        assertEquals(1, redis.keys("rcs:*").size());
    }

    @Test
    void aBatchSentTwiceAddsItsVisitorsOnce() throws Exception {
        RedisCounterStore store = store();
        hit(store, HOME, MON, "203.0.113.7", "Firefox");
        hit(store, HOME, MON, "198.51.100.1", "Firefox");
        List<Batch> batches = store.drain(new ArrayList<>());
        assertEquals(1, batches.size());
        assertEquals(2, batches.get(0).deltas.get(0).visitors().length);
        assertEquals(1L, store.apply(batches)[0]);
        redis.del(batches.get(0).marker); // even a batch whose marker is gone (applied twice)...
        assertEquals(1L, store.apply(batches)[0]);
        assertEquals(4, Long.parseLong(redis.hget("rc:{acme}:20261130", "home")), "...counts twice");
        assertEquals(2, redis.pfcount("rcu:{acme}:20261130:home"), "...but adds its visitors once");
    }

    @Test
    void accuracyWithinTwoPercentFromTenToAMillionVisitors() throws Exception {
        RedisCounterStore store = store();
        SplittableRandom random = new SplittableRandom(17);
        StringBuilder table = new StringBuilder("visitors  redis-estimate  error\n");
        int n = 10;
        for (int size : new int[] {10, 100, 1_000}) {
            CounterKey k = new CounterKey("acme", "through-store-" + size);
            for (int i = 0; i < size; i++) {
                String ip = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
                hit(store, k, MON, ip, "UA " + random.nextInt(3));
                hit(store, k, MON, ip, "UA " + random.nextInt(3));
            }
        }
        store.flush();
        for (int size : new int[] {10, 100, 1_000, 10_000, 100_000, 1_000_000}) {
            long estimate;
            if (size <= 1_000) {
                // through the store: every visitor twice, with one of three browsers each time
                CounterKey k = new CounterKey("acme", "through-store-" + size);
                estimate = store.uniques(k, MON, MON).total();
                long exact = redis.pfcount("rcu:{acme}:20261130:through-store-" + size);
                assertEquals(exact, estimate);
                continue; // their true count is checked against the log in the engine test
            }
            String key = "rcu:{acme}:20261130:bulk-" + size;
            String[] chunk = new String[10_000];
            for (int i = 0; i < size; i += chunk.length) {
                int m = Math.min(chunk.length, size - i);
                for (int j = 0; j < m; j++) {
                    chunk[j] = Long.toString(random.nextLong(), Character.MAX_RADIX); // as the batches encode ids
                }
                redis.pfadd(key, m == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, m));
            }
            estimate = store.uniques(new CounterKey("acme", "bulk-" + size), MON, MON).total();
            double error = Math.abs(estimate - size) / (double) size;
            table.append(String.format("%9d %15d %6.2f%%%n", size, estimate, error * 100));
            assertTrue(error <= 0.02, size + " visitors estimated as " + estimate);
        }
        System.out.println(table);
    }
}
