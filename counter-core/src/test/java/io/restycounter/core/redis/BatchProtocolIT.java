package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The batch protocol against a real Redis, through the connector the store uses. */
class BatchProtocolIT {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);

    private static RedisServer server;
    private static RedisConnector connector;
    private static StatefulConnection<String, String> batched;
    private static StatefulConnection<String, String> query;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> check;
    private static RedisCommands<String, String> redis;

    @BeforeAll
    static void start() {
        server = RedisServer.launch();
        connector = RedisConnector.create(CounterConfig.from(Settings.of(Map.of("REDIS_URL", server.url()))));
        batched = connector.connect(true);
        query = connector.connect(false);
        client = RedisClient.create(server.url());
        check = client.connect();
        redis = check.sync();
    }

    @AfterAll
    static void stop() {
        check.close();
        client.shutdown();
        connector.shutdown(RedisConnector.TIMEOUT);
        server.close();
    }

    @BeforeEach
    void empty() {
        redis.flushall();
    }

    private static BatchProtocol protocol() {
        return new BatchProtocol("it", "n1", ZoneOffset.UTC, java.time.Clock.fixed(TODAY.atTime(10, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC), 3, "test", () -> batched);
    }

    private static List<Batch> build(BatchProtocol p, Delta... d) {
        Map<String, List<Delta>> m = new LinkedHashMap<>();
        m.put("acme", List.of(d));
        return p.build(m, TODAY);
    }

    @Test
    void aBatchAppliedTwiceCountsOnceAndItsMarkerIsDeletedOnceConfirmed() throws Exception {
        BatchProtocol p = protocol();
        List<Batch> batches = build(p, new Delta(TODAY, "home", 5), new Delta(TODAY, "home", 2),
                new Delta(TODAY.minusDays(1), "blog", 1));
        assertEquals(1L, p.apply(batches)[0]);
        assertEquals(0L, p.apply(batches)[0], "the marker says it was applied");
        assertEquals("7", redis.hget("rc:{acme}:20261129", "home"));
        assertEquals("1", redis.hget("rc:{acme}:20261128", "blog"));
        assertTrue(redis.ttl("rc:{acme}:20261129") > 0, "the day hash expires");
        assertEquals(1L, redis.exists(batches.get(0).marker));

        p.confirm(batches);
        assertEquals(List.of(), p.inFlight());
        List<String> deletable = new ArrayList<>();
        p.takeConfirmedMarkers(deletable);
        BatchProtocol.awaitQuietly(p.deleteMarkers(deletable));
        assertEquals(0L, redis.exists(batches.get(0).marker));
        assertEquals("7", redis.hget("rc:{acme}:20261129", "home"), "the retry added nothing");
    }

    @Test
    void aFateRidesInTheBatchOfItsCountsIntoTheFatesHashExactlyOnce() throws Exception {
        BatchProtocol p = protocol();
        List<Batch> first = build(p, new Delta(TODAY, "home", 1));
        p.confirm(first); // the day hash has its expiry: the next batch must still give the fates hash one
        List<Batch> batches = build(p, new Delta(TODAY, "home", 4), new Delta(TODAY, "home|bot", 3),
                new Delta(TODAY, "news|refused", 2));
        assertEquals(1L, p.apply(batches)[0]);
        assertEquals(0L, p.apply(batches)[0], "a retry finds the marker");
        assertEquals("3", redis.hget("rcf:{acme}:20261129", "home|bot"), "the retry added no fate");
        assertEquals("2", redis.hget("rcf:{acme}:20261129", "news|refused"));
        assertEquals(Map.of("home", "5"), redis.hgetall("rc:{acme}:20261129"), "a fate is no count");
        assertEquals(Map.of("home", "5"), redis.hgetall("rc:{acme}:20261129:n:n1"), "nor the node's count");
        assertTrue(redis.ttl("rcf:{acme}:20261129") > 0, "the fates hash expires with its day");
        assertEquals(5, Batch.hits(batches) + Batch.hits(first), "a fate is no hit in the stats");
    }

    @Test
    void anHourRidesInTheBatchOfItsCountsIntoTheHourlyHashExactlyOnce() throws Exception {
        BatchProtocol p = protocol();
        p.confirm(build(p, new Delta(TODAY, "home", 1))); // the day hash has its expiry already
        List<Batch> batches = build(p, new Delta(TODAY, "home", 4), new Delta(TODAY, "home#09", 3),
                new Delta(TODAY, "home#24", 1), new Delta(TODAY.minusDays(1), "home#00", 2));
        assertEquals(1L, p.apply(batches)[0]);
        assertEquals(0L, p.apply(batches)[0], "a retry finds the marker");
        assertEquals(Map.of("home|09", "3", "home|24", "1"), redis.hgetall("rch:{acme}:20261129"), "the retry added none");
        assertEquals(Map.of("home|00", "2"), redis.hgetall("rch:{acme}:20261128"));
        assertEquals(Map.of("home", "5"), redis.hgetall("rc:{acme}:20261129"), "an hour is no count");
        assertEquals(Map.of("home", "5", "home#09", "3", "home#24", "1"), redis.hgetall("rc:{acme}:20261129:n:n1"),
                "the node's hash holds its hours apart, for a crash replay");
        assertTrue(redis.ttl("rch:{acme}:20261128") > 0, "a new day's hourly hash expires with its day hash");
        assertEquals(4, Batch.hits(batches), "an hour is no hit in the stats");
    }

    @Test
    void madeUpCountersPastTheFieldBoundShareOneFieldPerFate() throws Exception {
        Map<String, String> full = new LinkedHashMap<>();
        for (int i = 0; i < Scripts.MAX_FATE_FIELDS; i++) {
            full.put("c" + i + "|bad_signature", "1");
        }
        redis.hset("rcf:{acme}:20261129", full);
        BatchProtocol p = protocol();
        p.confirm(build(p, new Delta(TODAY, "home", 1), new Delta(TODAY, "made-up|bad_signature", 1),
                new Delta(TODAY, "c7|bad_signature", 1), new Delta(TODAY, "home|bot", 2)));
        assertEquals(null, redis.hget("rcf:{acme}:20261129", "made-up|bad_signature"));
        assertEquals("1", redis.hget("rcf:{acme}:20261129", "*|bad_signature"));
        assertEquals("2", redis.hget("rcf:{acme}:20261129", "c7|bad_signature"), "a field it has still grows");
        assertEquals("2", redis.hget("rcf:{acme}:20261129", "home|bot"), "a counted counter still gets its own");
    }

    @Test
    void readAddsCountsAndSaysWhichMarkersExistAtomically() throws Exception {
        BatchProtocol p = protocol();
        List<Batch> applied = build(p, new Delta(TODAY, "home", 3));
        p.apply(applied);
        List<Batch> notSent = build(p, new Delta(TODAY, "home", 4));
        List<Object> reply = p.read(query, List.of(BatchProtocol.dayKey("acme", TODAY),
                BatchProtocol.dayKey("acme", TODAY.minusDays(1)), applied.get(0).marker, notSent.get(0).marker), "home", 2);
        assertEquals(List.of("3", "0", 1L, 0L), reply);
    }

    @Test
    void aRedisThatLostItsScriptsGetsThemAgain() throws Exception {
        BatchProtocol p = protocol();
        p.confirm(build(p, new Delta(TODAY, "home", 1)));
        redis.scriptFlush();
        redis.persist("rc:{acme}:20261129");
        List<Batch> next = build(p, new Delta(TODAY, "home", 1));
        assertEquals("0", next.get(0).args[1], "expiry set before: not sent again");
        p.confirm(next);
        assertEquals("2", redis.hget("rc:{acme}:20261129", "home"));
        String ttl = String.valueOf(LocalDate.of(2026, 12, 3).atStartOfDay(ZoneOffset.ofHours(-12)).toEpochSecond()
                - TODAY.atTime(10, 0).toEpochSecond(ZoneOffset.UTC));
        assertEquals(ttl, next.get(0).args[1], "a restarted Redis may have lost the expiry: the batch that met it sends it");
        assertTrue(redis.ttl("rc:{acme}:20261129") > 0, "expires again");
        redis.scriptFlush();
        assertEquals(List.of("2"), p.read(query, List.of(BatchProtocol.dayKey("acme", TODAY)), "home", 1));
        redis.persist("rc:{acme}:20261129");
        List<Batch> after = build(p, new Delta(TODAY, "home", 1));
        assertEquals("0", after.get(0).args[1], "set by a confirmed batch: not sent again");
        p.confirm(after);
        assertEquals(ttl, after.get(0).args[1], "the script cache was lost again: sent again");
        assertTrue(redis.ttl("rc:{acme}:20261129") > 0);
    }

    @Test
    void theNodeIsAnnouncedForEachDayBeforeItsFirstCountOfIt() throws Exception {
        BatchProtocol p = protocol();
        p.confirm(build(p, new Delta(TODAY, "home", 1), new Delta(TODAY.minusDays(1), "home", 1)));
        assertEquals(java.util.Set.of("n1"), redis.smembers("rc:nodes:20261129"));
        assertEquals(java.util.Set.of("n1"), redis.smembers("rc:nodes:20261128"));

        redis.del("rc:nodes:20261129");
        p.confirm(build(p, new Delta(TODAY, "home", 1)));
        assertEquals(0L, redis.exists("rc:nodes:20261129"), "once per process and day");

        redis.set("rc:nodes:20261130", "not a set"); // SADD fails with WRONGTYPE
        List<Batch> tomorrow = build(p, new Delta(TODAY.plusDays(1), "home", 1));
        org.junit.jupiter.api.Assertions.assertThrows(io.restycounter.core.StoreException.class, () -> p.apply(tomorrow));
        assertEquals(0L, redis.exists("rc:{acme}:20261130"), "no count of a day whose announcement failed");
        redis.del("rc:nodes:20261130");
        p.confirm(tomorrow);
        assertEquals("1", redis.hget("rc:{acme}:20261130", "home"), "announced and counted on the retry");
    }
}
