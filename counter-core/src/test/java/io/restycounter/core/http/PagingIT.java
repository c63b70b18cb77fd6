package io.restycounter.core.http;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, item 3, against a real Redis: a prefix query over a tenant of 5,000 counters reads its page
 * from the counter indexes (ZRANGEBYLEX ... LIMIT) and one read per counter listed, never HKEYS or HGETALL.
 */
class PagingIT {

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> admin;

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;
    private CounterQuery query;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.launch();
        client = RedisClient.create(server.url());
        admin = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        admin.close();
        client.shutdown();
        server.close();
    }

    @BeforeEach
    void start() throws Exception {
        admin.sync().flushall();
        clock = new MutableClock(Instant.now());
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", Pages.API_KEY, "REDIS_URL", server.url(), "RATE_LIMIT", "0",
                "FLUSH_INTERVAL_MS", "60000"))), clock);
        query = new CounterQuery(engine);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private static Map<String, Long> calls() {
        Map<String, Long> out = new HashMap<>();
        for (String line : admin.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                out.put(line.substring(8, line.indexOf(':')),
                        Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(','))));
            }
        }
        return out;
    }

    @Test
    void livePagesReadOnlyTheirCounters() throws Exception {
        Pages.count(engine, 2500);
        engine.flush();
        assertEquals(5000L, admin.sync().zcard("rcn:{acme}:" + engine.today().toString().replace("-", "")),
                "the day's index holds every counter once");
        String today = "&from=" + engine.today() + "&to=" + engine.today();

        admin.sync().configResetstat();
        CounterQuery.Answer first = Pages.ask(query, "prefix=news" + today + "&limit=100");
        assertEquals(200, first.status(), first.body());
        assertEquals(100, Pages.counters(first.body()).size());
        Map<String, Long> calls = calls();
        assertEquals(1L, calls.get("zrangebylex"), "one index page: " + calls);
        assertTrue(calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L) <= 2 * 100 + 1,
                "two reads per counter listed, its counts and its uniques: " + calls);
        assertEquals(100L, calls.get("pfcount"), "one PFCOUNT per counter and day shown: " + calls);
        assertNull(calls.get("hkeys"), "the day hash is never listed whole: " + calls);
        assertNull(calls.get("hgetall"), calls.toString());

        List<Integer> sizes = new ArrayList<>();
        List<String> all = Pages.allPages(query, "prefix=news" + today + "&limit=1000", 10, sizes);
        assertEquals(List.of(1000, 1000, 500), sizes);
        assertEquals(String.format("news-%04d", 2499), all.get(2499));

        CounterQuery.Answer top = Pages.ask(query, "prefix=news" + today + "&sort=total&limit=3");
        assertEquals(List.of(7L, 7L, 7L), Pages.totals(top.body()), top.body());
    }

    @Test
    void archivedPagesReadTheMonthIndexNotTheMonth() throws Exception {
        LocalDate old = engine.liveFrom("acme").minusDays(40);
        Map<String, Long> totals = new HashMap<>();
        for (int i = 0; i < 2500; i++) {
            totals.put(String.format("news-%04d", i), (long) (i % 7 + 1));
            totals.put(String.format("other-%04d", i), 1L);
        }
        engine.archive().replaceShare("", "acme", old, totals);
        admin.sync().configResetstat();
        String range = "&from=" + old + "&to=" + old;
        List<Integer> sizes = new ArrayList<>();
        List<String> all = Pages.allPages(query, "prefix=news" + range + "&limit=1000", 10, sizes);
        assertEquals(List.of(1000, 1000, 500), sizes);
        assertEquals("news-0000", all.get(0));
        Map<String, Long> calls = calls();
        assertNull(calls.get("hgetall"), "the month is never read whole: " + calls);
        assertEquals(3L, calls.get("zrangebylex"), calls.toString());
    }

    @Test
    void aRankingOverArchivedLiveAndImportedDaysGivesTheTotalsOfTheDaysListed() throws Exception {
        LocalDate old = engine.liveFrom("acme").minusDays(40);
        LocalDate importedDay = engine.liveFrom("acme");
        Map<String, Long> archived = new HashMap<>();
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            String name = String.format("news-%04d", i);
            long a = (i * 3) % 11;
            if (a != 0) {
                archived.put(name, a);
            }
            expected.put(name, a + i % 7 + 1 + (i == 1 ? 100 : 0));
        }
        engine.archive().replaceShare("", "acme", old, archived);
        engine.archive().replaceImported("acme", importedDay, Map.of("news-0001", 100L));
        Pages.count(engine, 50);
        engine.flush();

        CounterQuery.Answer top = Pages.ask(query, "prefix=news&sort=total&limit=10&from=" + old + "&to=" + engine.today());
        assertEquals(200, top.status(), top.body());
        List<String> want = expected.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(10).map(Map.Entry::getKey).toList();
        assertEquals(want, Pages.counters(top.body()));
        assertEquals(want.stream().map(expected::get).toList(), Pages.totals(top.body()));
        assertEquals(105L, Pages.totals(top.body()).get(0), "3 archived, 2 live and 100 imported on a live day");
    }
}
