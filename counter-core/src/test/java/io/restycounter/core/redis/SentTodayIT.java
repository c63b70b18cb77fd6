package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The flusher sends a key's EXPIRE with its first write of the day and a visitor id once per sketch
 * ({@link SentToday}), against a real Redis counted by {@code INFO commandstats}: the sketches stay exact
 * and every key still expires, also across a Redis restart that loses the script cache, with its data
 * (append-only file) and without, and when another node loaded the script again first. A batch that
 * meets a lost script cache with expiries left out gets them back: {@link BatchProtocolIT}.
 */
class SentTodayIT {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final LocalDate DAY = LocalDate.of(2026, 11, 30);
    private static final int COUNTERS = 20;

    private final MutableClock clock = new MutableClock(NOW);

    private RedisCounterStore store(RedisServer server, String... settings) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        values.put("REDIS_URL", server.url());
        values.put("FLUSH_INTERVAL_MS", "60000"); // the test flushes
        return RedisCounterStore.connect(CounterConfig.from(Settings.of(values)), clock);
    }

    private static CounterKey counter(int i) {
        return new CounterKey("acme", "c" + i);
    }

    /** One hit per visitor {@code from} to {@code to} - 1 on every counter, a bot on c0, then a flush. */
    private static void round(RedisCounterStore store, int from, int to) throws Exception {
        for (int i = 0; i < COUNTERS; i++) {
            for (int v = from; v < to; v++) {
                store.increment(counter(i), DAY, 1);
                store.visit(counter(i), DAY, "10.0.0." + v, "Mozilla/5.0 test");
            }
        }
        store.fate(counter(0), DAY, Fate.BOT);
        flushUntilConfirmed(store);
    }

    /** A restarted Redis takes a moment to be reconnected to: the batch is kept and retried meanwhile. */
    private static void flushUntilConfirmed(RedisCounterStore store) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                store.flush();
                return;
            } catch (StoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static Map<String, Long> calls(RedisCommands<String, String> redis) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                int from = line.indexOf("calls=") + "calls=".length();
                out.put(line.substring("cmdstat_".length(), line.indexOf(':')),
                        Long.parseLong(line.substring(from, line.indexOf(',', from))));
            }
        }
        return out;
    }

    private static long since(Map<String, Long> before, RedisCommands<String, String> redis, String command) {
        return calls(redis).getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    /** Every key in Redis expires (a batch marker, a salt, a count, a sketch, a fate, an index alike). */
    private static void everyKeyExpires(RedisCommands<String, String> redis) {
        for (String key : redis.keys("*")) {
            assertTrue(redis.ttl(key) > 0, key + " never expires");
        }
    }

    private static void sketchesHold(RedisCommands<String, String> redis, long c0, long others) {
        assertEquals(c0, redis.pfcount(BatchProtocol.sketchKey("acme", DAY, "c0")), "c0");
        for (int i = 1; i < COUNTERS; i++) {
            assertEquals(others, redis.pfcount(BatchProtocol.sketchKey("acme", DAY, "c" + i)), "c" + i);
        }
    }

    @Test
    void aRepeatVisitorSendsNothingAgainAndEveryKeyStillExpires() throws Exception {
        try (RedisServer server = RedisServer.launch(); Redis r = new Redis(server);
                RedisCounterStore store = store(server)) {
            round(store, 0, 3);
            sketchesHold(r.redis, 3, 3);
            everyKeyExpires(r.redis);
            Map<String, Long> before = calls(r.redis);
            for (int n = 0; n < 4; n++) {
                round(store, 0, 3);
            }
            assertEquals(0, since(before, r.redis, "pfadd"), "the same visitors: no PFADD");
            assertEquals(0, since(before, r.redis, "expire"), "every key's expiry is set: no EXPIRE");
            assertEquals(4, since(before, r.redis, "evalsha"), "one batch a flush");

            store.increment(counter(0), DAY, 1);
            store.visit(counter(0), DAY, "10.0.0.3", "Mozilla/5.0 test");
            flushUntilConfirmed(store);
            assertEquals(1, since(before, r.redis, "pfadd"), "a new visitor goes");
            assertEquals(0, since(before, r.redis, "expire"), "to a sketch whose expiry is set");
            sketchesHold(r.redis, 4, 3);
            assertEquals(4, store.uniques(counter(0), DAY, DAY).total());
            assertEquals(15, store.get(counter(1), DAY), "every hit counted");
            assertEquals("5", r.redis.hget(RedisFates.fatesKey("acme", DAY), "c0|bot"));
            everyKeyExpires(r.redis);
        }
    }

    @Test
    void aRestartThatKeepsTheDataLosesNoVisitorAndNoExpiry() throws Exception {
        try (RedisServer server = RedisServer.launchDurable(); Redis r = new Redis(server);
                RedisCounterStore store = store(server)) {
            round(store, 0, 3);
            round(store, 0, 3);
            server.stop();
            server.start(); // with its data, without its scripts
            round(store, 0, 4);
            sketchesHold(r.redis, 4, 4);
            assertEquals(10, store.get(counter(3), DAY), "every hit counted once");
            assertEquals("3", r.redis.hget(RedisFates.fatesKey("acme", DAY), "c0|bot"));
            everyKeyExpires(r.redis);
        }
    }

    @Test
    void aRestartThatLosesTheDataGetsEveryExpiryBackAndEveryVisitorAgain() throws Exception {
        try (RedisServer server = RedisServer.launch(); Redis r = new Redis(server);
                RedisCounterStore store = store(server)) {
            round(store, 0, 3);
            round(store, 0, 3);
            server.stop();
            server.start(); // empty: what the store sent before is gone
            round(store, 0, 4); // the store saw its connections drop: it forgot what it had sent
            everyKeyExpires(r.redis);
            sketchesHold(r.redis, 4, 4);
            round(store, 0, 3);
            sketchesHold(r.redis, 4, 4);
            assertEquals(7, store.get(counter(3), DAY), "the counts from after the restart");
            everyKeyExpires(r.redis);
        }
    }

    @Test
    void aBatchThatMeetsALostScriptCacheGetsBackTheExpiriesItLeftOut() throws Exception {
        try (RedisServer server = RedisServer.launch(); Redis r = new Redis(server);
                RedisCounterStore store = store(server)) {
            round(store, 0, 3);
            round(store, 0, 3);
            r.redis.flushall(); // data and scripts gone, no connection dropped: the store learns it from NOSCRIPT
            r.redis.scriptFlush();
            round(store, 0, 4); // built with no expiry and only the new visitor: it gets its expiries back
            everyKeyExpires(r.redis);
            sketchesHold(r.redis, 1, 1);
            round(store, 0, 3); // then the store has forgotten the rest and sends it
            sketchesHold(r.redis, 4, 4);
            assertEquals(7, store.get(counter(3), DAY));
            everyKeyExpires(r.redis);
        }
    }

    @Test
    void aNodeWhoseScriptAnotherNodeLoadedAgainStillSendsEveryExpiryAndVisitor() throws Exception {
        try (RedisServer server = RedisServer.launch(); Redis r = new Redis(server);
                RedisCounterStore a = store(server, "NODE_ID", "a"); RedisCounterStore b = store(server, "NODE_ID", "b")) {
            round(a, 0, 3);
            round(a, 0, 3);
            server.stop();
            server.start(); // empty
            b.increment(new CounterKey("beta", "home"), DAY, 1);
            flushUntilConfirmed(b); // meets NOSCRIPT and loads the script: a's EVALSHA will not fail
            round(a, 0, 3); // a saw its connections drop: it forgot what it had sent
            sketchesHold(r.redis, 3, 3);
            assertEquals(3, a.get(counter(1), DAY), "the counts from after the restart");
            everyKeyExpires(r.redis);
        }
    }

    /** A plain client of the test's server that follows it across restarts. */
    private static final class Redis implements AutoCloseable {
        final RedisClient client;
        final StatefulRedisConnection<String, String> connection;
        final RedisCommands<String, String> redis;

        Redis(RedisServer server) {
            client = RedisClient.create(server.url());
            connection = client.connect();
            redis = connection.sync();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }
}
