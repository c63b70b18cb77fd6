package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.TenantCalendar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.junit.jupiter.api.io.TempDir;

/** #21 item 5: a node restarted after a crash brings Redis back to what its log holds, exactly once. */
class CrashReplayIT {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:15:30Z"), ZoneOffset.UTC);
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> redis;

    @TempDir
    Path logDir;
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

    private CounterConfig config(String node) {
        Map<String, String> values = new HashMap<>();
        values.put("REDIS_URL", server.url());
        values.put("FLUSH_INTERVAL_MS", "60000"); // tests flush themselves
        values.put("NODE_ID", node);
        values.put("LOG_DIR", logDir.toString());
        values.put("TIMEZONE", "UTC");
        return CounterConfig.from(Settings.of(values));
    }

    /** A node's store as a start makes it: connected, then replayed before any hit. */
    private RedisCounterStore start(String node) throws Exception {
        RedisCounterStore store = RedisCounterStore.connect(config(node), CLOCK);
        stores.add(store);
        store.replayLog(config(node), TenantCalendar.of(ZoneOffset.UTC), TODAY);
        return store;
    }

    private CrashReplay.Result restart(String node) throws Exception {
        RedisCounterStore store = RedisCounterStore.connect(config(node), CLOCK);
        stores.add(store);
        return store.replayLog(config(node), TenantCalendar.of(ZoneOffset.UTC), TODAY);
    }

    private void log(String node, LocalDate day, String counter, int hits) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < hits; i++) {
            lines.append("{\"ts\":\"").append(day).append("T10:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"")
                    .append(counter).append("\",\"inc\":1,\"status\":200,\"node\":\"").append(node).append("\"}\n");
        }
        Files.writeString(logDir.resolve(day + "-" + node + "-access.log"), lines, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static long day(LocalDate day, String counter) {
        String v = redis.hget(BatchProtocol.dayKey("acme", day), counter);
        return v == null ? 0 : Long.parseLong(v);
    }

    private static long own(String node, LocalDate day, String counter) {
        String v = redis.hget(BatchProtocol.nodeKey("acme", day, node), counter);
        return v == null ? 0 : Long.parseLong(v);
    }

    @Test
    void hitsTheLogHasAreAddedAndHitsOnlyRedisHasAreTakenBackLeavingOtherNodesAlone() throws Exception {
        RedisCounterStore before = start("n1");
        before.increment(HOME, TODAY, 10, 3);
        before.increment(new CounterKey("acme", "about"), TODAY, 10, 4); // flushed, its lines never written
        before.flush();
        RedisCounterStore other = start("n2");
        other.increment(HOME, TODAY, 10, 10);
        other.flush();
        log("n1", TODAY, "home", 5); // two logged, still in memory at the crash
        log("n1", TODAY, "blog", 2);

        CrashReplay.Result r = restart("n1");

        assertEquals(4, r.added());
        assertEquals(4, r.takenBack());
        assertEquals(15, day(TODAY, "home"), "n1's 5 and n2's 10");
        assertEquals(2, day(TODAY, "blog"));
        assertEquals(0, day(TODAY, "about"));
        assertEquals(5, own("n1", TODAY, "home"), "the node hash moved with the replay's batches");
        assertEquals(10, own("n2", TODAY, "home"));
        assertEquals(0, restart("n1").counters(), "a second restart finds nothing to do");
    }

    @Test
    void aBatchAppliedButNeverConfirmedIsNotAppliedAgain() throws Exception {
        RedisCounterStore before = start("n1");
        before.increment(HOME, TODAY, 10, 5);
        List<Batch> sent = before.drain(new ArrayList<>());
        assertEquals(1L, before.apply(sent)[0], "applied; the crash comes before the confirm");
        log("n1", TODAY, "home", 5);

        CrashReplay.Result r = restart("n1"); // a new process: it knows nothing of the batch or its marker

        assertEquals(0, r.counters());
        assertEquals(5, day(TODAY, "home"), "not doubled");
        assertEquals("5", redis.hget("rch:{acme}:20261129", "home|10"), "nor its hour");
    }

    @Test
    void theHoursTheLogHasAreReplayedWithTheirCountsExactlyOnce() throws Exception {
        RedisCounterStore before = start("n1");
        before.increment(HOME, TODAY, 10, 3);
        before.flush();
        log("n1", TODAY, "home", 5); // two logged, still in memory at the crash

        CrashReplay.Result r = restart("n1");

        assertEquals(2, r.added(), "hits, not hours");
        assertEquals(1, r.counters());
        assertEquals(Map.of("home|10", "5"), redis.hgetall("rch:{acme}:20261129"));
        assertEquals(5, own("n1", TODAY, "home#10"), "the node hash holds the hour");
        assertEquals(0, restart("n1").counters());
        assertEquals(Map.of("home|10", "5"), redis.hgetall("rch:{acme}:20261129"), "a second restart adds no hour");
    }

    @Test
    void aGracefulRestartReplaysNothing() throws Exception {
        RedisCounterStore before = start("n1");
        before.increment(HOME, TODAY, 10, 3);
        before.increment(HOME, TODAY.minusDays(1), 10, 2);
        log("n1", TODAY, "home", 3);
        log("n1", TODAY.minusDays(1), "home", 2);
        before.close();

        CrashReplay.Result r = restart("n1");

        assertEquals(new CrashReplay.Result(TODAY.minusDays(3), TODAY, 0, 0, 0), r);
        assertEquals(3, day(TODAY, "home"));
        assertEquals(2, day(TODAY.minusDays(1), "home"));
    }

    @Test
    void aLogFromBeforeNodeHashesExistedIsNotAppliedTwice() throws Exception {
        redis.hset(BatchProtocol.dayKey("acme", TODAY), "home", "5"); // counted by the version before
        log("n1", TODAY, "home", 5);

        CrashReplay.Result r = restart("n1");

        assertEquals(0, r.counters());
        assertEquals(5, day(TODAY, "home"));
        assertEquals(BatchProtocol.dayDigits(TODAY.plusDays(1)), redis.get(CrashReplay.SINCE_PREFIX + "n1"),
                "tracked from tomorrow on");
    }

    @Test
    void aDayWhoseFileIsGoneIsLeftAloneButTodayWithoutAFileIsTakenBack() throws Exception {
        RedisCounterStore before = start("n1");
        before.increment(HOME, TODAY.minusDays(1), 10, 3); // its file shipped and deleted since
        before.increment(HOME, TODAY, 0, 2); // counted just after midnight, no line written yet
        before.flush();

        CrashReplay.Result r = restart("n1");

        assertEquals(2, r.takenBack());
        assertEquals(3, day(TODAY.minusDays(1), "home"));
        assertEquals(0, day(TODAY, "home"));
    }

    @Test
    void onlyTheLiveDaysOfTheNodesOwnFilesAreRead() throws Exception {
        start("n1");
        log("n1", TODAY.minusDays(4), "home", 7); // its hash has expired: not live
        log("n2", TODAY, "home", 9); // another node's file in the same directory

        assertEquals(0, restart("n1").counters());
        assertNull(redis.hget(BatchProtocol.dayKey("acme", TODAY.minusDays(4)), "home"));
        assertEquals(0, day(TODAY, "home"));
    }
}
