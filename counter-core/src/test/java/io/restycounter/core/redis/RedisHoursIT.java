package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hourly counts of the Redis store: in the batch of their day, exactly once, bounded, read with what is in flight. */
class RedisHoursIT {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:15:30Z"), ZoneOffset.UTC);
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> redis;

    private final List<RedisCounterStore> stores = new ArrayList<>();

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
        values.put("FLUSH_INTERVAL_MS", "60000"); // the tests flush
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        RedisCounterStore store = RedisCounterStore.connect(CounterConfig.from(Settings.of(values)), CLOCK);
        stores.add(store);
        return store;
    }

    private static long[] hours(long... at) {
        long[] out = new long[25];
        for (int i = 0; i < at.length; i += 2) {
            out[(int) at[i]] = at[i + 1];
        }
        return out;
    }

    @Test
    void anHourAppliedButItsReplyLostIsNeitherCountedTwiceNorLost() throws Exception {
        RedisCounterStore store = store();
        assertTrue(store.increment(HOME, TODAY, 10, 4));
        assertTrue(store.increment(HOME, TODAY, 23, 1));
        assertArrayEquals(hours(10, 4, 23, 1), store.hours(HOME, TODAY, TODAY).get(TODAY), "pending: from memory");

        List<Batch> batches = store.drain(new ArrayList<>());
        assertArrayEquals(hours(10, 4, 23, 1), store.hours(HOME, TODAY, TODAY).get(TODAY),
                "in flight, not in Redis: from the batch");
        store.apply(batches); // Redis applied it, the store never saw the reply
        assertEquals(0L, store.apply(batches)[0], "a copy sent again adds nothing");
        assertArrayEquals(hours(10, 4, 23, 1), store.hours(HOME, TODAY, TODAY).get(TODAY),
                "the marker exists: from Redis, the batch not added again");

        store.increment(HOME, TODAY, 10, 1);
        store.flush(); // the same batch again first (its marker says applied), then the new hit
        assertEquals(Map.of("home|10", "5", "home|23", "1"), redis.hgetall("rch:{acme}:20261129"));
        assertArrayEquals(hours(10, 5, 23, 1), store.hours(HOME, TODAY, TODAY).get(TODAY));
        assertEquals(6, store.get(HOME, TODAY), "the day counts its hits once, with no hour field in it");
        assertEquals(Map.of("home", "6"), redis.hgetall("rc:{acme}:20261129"));
        assertEquals(Map.of("home", "6", "home#10", "5", "home#23", "1"), redis.hgetall("rc:{acme}:20261129:n:"),
                "the node hash holds the hours too, for a crash replay");
        assertTrue(redis.ttl("rch:{acme}:20261129") > 0, "the hourly hash expires with its day");
        assertEquals(Map.of(), store.hours(HOME, TODAY.minusDays(1), TODAY.minusDays(1)), "a day without hours");
    }

    @Test
    void anHourIsBoundedWithItsDayAndARefusedHitCountsNeither() throws Exception {
        RedisCounterStore store = store("MAX_PENDING_COUNTERS", "1");
        assertTrue(store.increment(HOME, TODAY, 3, 1));
        assertTrue(store.increment(HOME, TODAY, 4, 1), "a known (counter, day): any hour of it");
        assertFalse(store.increment(new CounterKey("acme", "news"), TODAY, 3, 1), "a new counter past the bound");
        store.flush();
        assertEquals(Map.of("home|03", "1", "home|04", "1"), redis.hgetall("rch:{acme}:20261129"));
        assertEquals(Map.of("home", "2"), redis.hgetall("rc:{acme}:20261129"), "the refused hit left no count");
    }

    @Test
    void anHourTakenBackAfterItWasSentIsTakenBackInRedis() throws Exception {
        RedisCounterStore store = store();
        store.increment(HOME, TODAY, 7, 3);
        store.flush();
        store.increment(HOME, TODAY, 7, -1); // the log refused the hit: the engine takes its count back
        store.flush();
        assertEquals("2", redis.hget("rch:{acme}:20261129", "home|07"));
        assertFalse(redis.hexists("rc:{acme}:20261129", "home#07"), "no hour in the day hash");
    }
}
