package io.restycounter.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unique visitors through the engine, in the embedded store and in a real Redis: the uniques of each
 * day and of a range equal, exactly, the distinct (address, user agent) pairs of the log's lines, and
 * a private hit (the privacy seam) is counted and logged but joins no sketch.
 */
class UniqueVisitorsIT {

    /** Monday 2026-11-30. */
    private static final LocalDate MON = LocalDate.of(2026, 11, 30);
    private static final CounterKey KEY = new CounterKey("acme", "home");
    private static final JsonFactory JSON = new JsonFactory();

    private static RedisServer redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private CounterConfig config(String store) {
        CounterConfig.Builder b = CounterConfig.builder().logDir(dir).apiKey("test-api-key")
                .uniquesPeriod(UniquesPeriod.WEEK)
                .flushInterval(java.time.Duration.ofMillis(60_000)) // the test flushes
                .privateHits(hit -> "dnt".equals(hit.referer()));
        if (store.equals("redis")) {
            b.redisUrl(redis.url()).nodeId("n1");
        }
        return b.build();
    }

    /**
     * Redis's HyperLogLog is exact for a few dozen ids only while no two share one of its 16,384 registers
     * (about a 6% chance at 44 with a random salt): a fixed salt makes the ids, and so the count, the same
     * in every run. The range's union is what this test proves; the estimate's error is RedisUniquesIT's.
     */
    private static void fixTheWeeksSalt() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
        try (var c = client.connect()) {
            c.sync().set("rcs:{acme}:week-" + MON.format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE),
                    "0123456789abcdef0123456789abcdef");
        } finally {
            client.shutdown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void uniquesEqualTheDistinctVisitorsOfTheLogAndPrivateHitsJoinNoSketch(String store) throws Exception {
        MutableClock clock = new MutableClock(MON.atTime(9, 0).toInstant(java.time.ZoneOffset.UTC));
        SplittableRandom random = new SplittableRandom(42);
        CounterConfig config = config(store);
        if (store.equals("redis")) {
            fixTheWeeksSalt();
        }
        int privateHits = 0;
        try (CounterEngine engine = CounterEngine.start(config, clock)) {
            for (int d = 0; d < 3; d++) {
                clock.set(MON.plusDays(d).atTime(9, 0).toInstant(java.time.ZoneOffset.UTC));
                for (int i = 0; i < 120; i++) {
                    int who = random.nextInt(50);
                    boolean dnt = random.nextInt(10) == 0;
                    // a private hit from a visitor seen nowhere else: it must not appear in uniques
                    String ip = dnt ? "192.0.2." + i : "203.0.113." + who;
                    String ua = "Browser/" + (who % 4);
                    privateHits += dnt ? 1 : 0;
                    assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), KEY, 1, 200, "GET",
                            "/p/acme/home", ip, null, null, null, dnt ? "dnt" : null, ua)));
                    clock.advanceMillis(1000);
                }
            }
            engine.flush();
            LocalDate wed = MON.plusDays(2);
            UniqueVisitors u = engine.uniques(KEY, MON, wed);
            Map<LocalDate, Set<String>> fromLog = visitorsInLog(dir);
            Set<String> week = new HashSet<>();
            for (int d = 0; d < 3; d++) {
                LocalDate day = MON.plusDays(d);
                assertEquals(fromLog.get(day).size(), u.days().get(day), store + " " + day);
                week.addAll(fromLog.get(day));
            }
            assertEquals(week.size(), u.total(), store + ": the week's union");
            assertTrue(week.size() < fromLog.values().stream().mapToInt(Set::size).sum(), "visitors came back");
            assertEquals(360, engine.counts(KEY, MON, wed).values().stream().mapToLong(Long::longValue).sum(),
                    "private hits count");
            assertTrue(privateHits > 10);
            if (store.equals("embedded")) {
                assertTrue(Files.list(dir.resolve("uniques").resolve("salts")).count() == 1, "one salt: acme's week");
            }
        }
        if (store.equals("embedded")) {
            try (CounterEngine again = CounterEngine.start(config, clock)) {
                Map<LocalDate, Set<String>> fromLog = visitorsInLog(dir);
                UniqueVisitors u = again.uniques(KEY, MON, MON.plusDays(2));
                assertEquals(fromLog.get(MON.plusDays(2)).size(), u.days().get(MON.plusDays(2)), "kept over a restart");
                Set<String> week = new HashSet<>();
                fromLog.values().forEach(week::addAll);
                assertEquals(week.size(), u.total());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void twoEnginesOnOneRedisCountAVisitorOnce() throws Exception {
        MutableClock clock = new MutableClock(MON.atTime(9, 0).toInstant(java.time.ZoneOffset.UTC));
        CounterKey key = new CounterKey("twonodes", "home");
        CounterConfig.Builder a = CounterConfig.builder().logDir(dir.resolve("a")).apiKey("test-api-key")
                .redisUrl(redis.url()).nodeId("a").flushInterval(java.time.Duration.ofMillis(60_000));
        CounterConfig.Builder b = CounterConfig.builder().logDir(dir.resolve("b")).apiKey("test-api-key")
                .redisUrl(redis.url()).nodeId("b").flushInterval(java.time.Duration.ofMillis(60_000));
        try (CounterEngine one = CounterEngine.start(a.build(), clock);
                CounterEngine two = CounterEngine.start(b.build(), clock)) {
            for (CounterEngine e : List.of(one, two, one)) {
                e.record(new Hit(e.now(), key, 1, 200, "GET", "/p/twonodes/home", "203.0.113.7", null, null, null, null,
                        "Firefox"));
            }
            two.record(new Hit(two.now(), key, 1, 200, "GET", "/p/twonodes/home", "203.0.113.8", null, null, null, null,
                    "Firefox"));
            one.flush();
            two.flush();
            assertEquals(2, one.uniques(key, MON, MON).total(), "the visitor both nodes saw is one");
            assertEquals(2, two.uniques(key, MON, MON).total());
            assertEquals(4, one.counts(key, MON, MON).get(MON));
        }
    }

    /** Per day, the distinct address + user agent of the log's non-private lines of KEY. */
    private static Map<LocalDate, Set<String>> visitorsInLog(Path logDir) throws IOException {
        Map<LocalDate, Set<String>> out = new HashMap<>();
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(logDir)) {
            s.filter(p -> p.getFileName().toString().endsWith("-access.log")).forEach(files::add);
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                Map<String, String> fields = new HashMap<>();
                try (JsonParser p = JSON.createParser(line)) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.getCurrentName();
                        p.nextToken();
                        fields.put(name, p.getValueAsString());
                    }
                }
                if (!KEY.counter().equals(fields.get("counter")) || "dnt".equals(fields.get("referer"))) {
                    continue;
                }
                LocalDate day = LocalDate.ofInstant(Instant.parse(fields.get("ts")), java.time.ZoneOffset.UTC);
                out.computeIfAbsent(day, d -> new HashSet<>()).add(fields.get("ip") + "|" + fields.get("ua"));
            }
        }
        return out;
    }
}
