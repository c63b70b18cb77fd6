package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.report.DailyAggregation;
import io.restycounter.core.tenant.TenantSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tenants at +14:00, -11:00, +5:45 and across New York's end of daylight saving: hits around midnight UTC
 * count on each tenant's local date, in Redis and in the embedded store, through a restart (the embedded
 * rebuild, the Redis crash replay) and through aggregation into the archive. TIMEZONE is UTC.
 */
class TenantZonesIT {

    private static final String KEY = "tenant-zones-test-key";
    private static final LocalDate NOV30 = LocalDate.parse("2026-11-30");
    private static final LocalDate DEC01 = LocalDate.parse("2026-12-01");

    private static RedisServer redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> admin;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T00:00:00Z"));
    private CounterEngine engine;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
        client = RedisClient.create(redis.url());
        admin = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        admin.close();
        client.shutdown();
        redis.close();
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    private CounterEngine start(String store) {
        Map<String, String> m = new HashMap<>(Map.of("LOG_DIR", dir.resolve("logs").toString(), "API_KEY", KEY,
                "TIMEZONE", "UTC", "RATE_LIMIT", "0", "ARCHIVE_DIR", dir.resolve("archive").toString()));
        if (store.equals("redis")) {
            m.put("REDIS_URL", redis.url());
        } else {
            m.put("TENANTS", dir.resolve("tenants.toml").toString());
        }
        return CounterEngine.start(CounterConfig.from(Settings.of(m)), clock);
    }

    private void register(String tenant, String zone) throws Exception {
        engine.tenants().source().update(tenant, true, t -> t.withTimeZone(zone, ZoneOffset.UTC, Instant.EPOCH));
    }

    private void hit(String tenant, String at) {
        clock.set(Instant.parse(at));
        assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), new CounterKey(tenant, "home"),
                1, 200, "GET", "/p/" + tenant + "/home", "198.51.100." + (at.hashCode() & 0x7f), null, null, null,
                null, null)));
    }

    private long count(String tenant, LocalDate day) throws Exception {
        return engine.counts(new CounterKey(tenant, "home"), day, day).getOrDefault(day, 0L);
    }

    private String query(String tenant, String rawQuery, String accept) {
        HttpAnswer a = new CounterQuery(engine).respond("GET", new CounterQuery.Request("/" + tenant + "/home", rawQuery,
                KEY, null, accept, null, null, "203.0.113.1"));
        assertEquals(200, a.status(), a.bodyText());
        return a.bodyText();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void hitsAroundMidnightUtcCountOnEachTenantsDateThroughRestartAndAggregation(String store) throws Exception {
        admin.sync().flushall();
        engine = start(store);
        register("kiri", "Pacific/Kiritimati");
        register("pago", "Pacific/Pago_Pago");
        register("ktm", "Asia/Kathmandu");
        engine.tenants().reloadIfChanged();

        hit("kiri", "2026-11-30T09:59:00Z"); // 11-30 23:59 local
        hit("kiri", "2026-11-30T10:00:00Z"); // 12-01 00:00
        hit("ktm", "2026-11-30T18:14:00Z"); // 11-30 23:59
        hit("ktm", "2026-11-30T18:15:00Z"); // 12-01 00:00
        for (String tenant : new String[] {"pago", "ktm", "plain"}) {
            hit(tenant, "2026-11-30T23:30:00Z");
        }
        for (String tenant : new String[] {"kiri", "pago", "ktm", "plain"}) {
            hit(tenant, "2026-12-01T00:30:00Z");
        }
        hit("pago", "2026-12-01T10:59:00Z"); // 11-30 23:59
        hit("pago", "2026-12-01T11:00:00Z"); // 12-01 00:00
        clock.set(Instant.parse("2026-12-01T11:30:00Z"));
        engine.flush();

        for (int run = 0; run < 2; run++) {
            String when = run == 0 ? "" : " after a restart";
            assertEquals(2, count("kiri", DEC01), when);
            assertEquals(3, count("pago", NOV30), when);
            assertEquals(1, count("pago", DEC01), when);
            assertEquals(1, count("ktm", NOV30), when);
            assertEquals(3, count("ktm", DEC01), when);
            assertEquals(1, count("plain", NOV30), "not registered: TIMEZONE" + when);
            assertEquals(1, count("plain", DEC01), when);
            // today+yesterday in each tenant's calendar: kiri is on 12-02 already, pago just began 12-01
            assertEquals("0+2", query("kiri", null, null), when);
            assertEquals("1+3", query("pago", null, null), when);
            assertEquals("3+1", query("ktm", null, null), when);
            assertEquals("1+1", query("plain", null, null), when);
            assertTrue(query("kiri", "format=json", null).contains("\"today\":0,\"yesterday\":2"), when);
            engine.close();
            engine = start(store);
        }
        if (store.equals("redis")) {
            assertEquals("2", admin.sync().hget("rc:{kiri}:20261201", "home"));
            assertEquals("3", admin.sync().hget("rc:{pago}:20261130", "home"));
            long pagoDayEnds = Instant.parse("2026-12-01T11:00:00Z").getEpochSecond();
            long ttl = admin.sync().ttl("rc:{pago}:20261130");
            assertTrue(ttl >= pagoDayEnds + 3 * 86_400 - clock.instant().getEpochSecond(),
                    "kept REDIS_EXPIRE_DAYS after pago's day ends, not UTC's: ttl " + ttl);
        }

        // The day after: every tenant's 11-30 is in closed files; pago's 12-01 still has hours in today's file.
        clock.set(Instant.parse("2026-12-02T00:05:00Z"));
        DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(),
                engine.calendar(), clock);
        io.restycounter.core.report.Reconciler.Report nov30 = daily.runOnce(NOV30).reconciled();
        assertTrue(engine.archive().isAggregated(NOV30));
        if (store.equals("redis")) { // still live in Redis: the archive and the store agree on every local day
            assertTrue(nov30.ok() && nov30.counters() == 4, nov30.toString());
        }
        DailyAggregation.Pass dec01 = daily.runOnce(DEC01);
        assertEquals(java.util.Set.of("pago"), dec01.aggregated().waiting());
        assertFalse(engine.archive().isAggregated(DEC01), "not complete while pago's day is not over");
        assertEquals(2L, engine.archive().range(new CounterKey("kiri", "home"), DEC01, DEC01).get(DEC01));
        clock.set(Instant.parse("2026-12-03T00:05:00Z"));
        daily.runOnce(DEC01);
        assertTrue(engine.archive().isAggregated(DEC01));

        long[][] days = {{1, 2}, {3, 1}, {1, 3}, {1, 1}};
        String[] tenants = {"kiri", "pago", "ktm", "plain"};
        clock.set(Instant.parse("2026-12-08T12:00:00Z")); // both days archived, for either store
        for (int i = 0; i < tenants.length; i++) {
            String json = query(tenants[i], "from=2026-11-30&to=2026-12-01", "application/json");
            assertTrue(json.contains("\"total\":" + (days[i][0] + days[i][1]) + ","), tenants[i] + ": " + json);
            assertTrue(json.contains("{\"day\":\"2026-11-30\",\"count\":" + days[i][0] + ","), tenants[i] + ": " + json);
            assertTrue(json.contains("{\"day\":\"2026-12-01\",\"count\":" + days[i][1] + ","), tenants[i] + ": " + json);
            assertFalse(json.contains("\"live\""), "both days from the archive: " + json);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void aVisitorBackAfterTheServersMidnightWithinTheTenantsDayIsOneVisitor(String store) throws Exception {
        admin.sync().flushall();
        clock.set(Instant.parse("2026-11-30T12:00:00Z"));
        engine = start(store);
        register("lima", "America/Lima"); // -05:00 all year
        engine.tenants().reloadIfChanged();
        CounterKey home = new CounterKey("lima", "home");
        for (String at : new String[] {"2026-11-30T23:00:00Z", "2026-12-01T01:00:00Z", "2026-12-01T04:59:00Z"}) {
            clock.set(Instant.parse(at)); // 18:00, 20:00 and 23:59 in Lima, after midnight UTC for the last two
            assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), home, 1, 200, "GET",
                    "/p/lima/home", "198.51.100.9", null, null, null, null, "Firefox/140")));
            engine.flush();
        }
        assertEquals(3, count("lima", NOV30));
        assertEquals(1L, engine.uniques(home, NOV30, NOV30).total(), "one person all evening in Lima");

        clock.set(Instant.parse("2026-12-01T05:01:00Z")); // Lima's Dec 1: the salt of its Nov 30 is gone
        engine.record(new Hit(engine.now(), home, 1, 200, "GET", "/p/lima/home", "198.51.100.9", null, null, null,
                null, "Firefox/140"));
        engine.flush();
        assertEquals(1L, engine.uniques(home, DEC01, DEC01).total());
        assertEquals(2L, engine.uniques(home, NOV30, DEC01).total(), "a new day: a visitor no one can link");
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void newYorksLastDayOfDaylightSavingHas25HoursOfCounts(String store) throws Exception {
        admin.sync().flushall();
        clock.set(Instant.parse("2026-10-31T12:00:00Z"));
        engine = start(store);
        register("ny", "America/New_York");
        engine.tenants().reloadIfChanged();
        hit("ny", "2026-11-01T03:30:00Z"); // 10-31 23:30 EDT
        hit("ny", "2026-11-01T04:30:00Z"); // 11-01 00:30 EDT
        hit("ny", "2026-11-02T04:30:00Z"); // 11-01 23:30 EST: a fixed -04:00 would say 11-02
        hit("ny", "2026-11-02T05:00:00Z"); // 11-02 00:00 EST
        engine.flush();
        LocalDate nov01 = LocalDate.parse("2026-11-01");
        assertEquals(1, count("ny", nov01.minusDays(1)));
        assertEquals(2, count("ny", nov01));
        assertEquals(1, count("ny", nov01.plusDays(1)));

        clock.set(Instant.parse("2026-11-03T00:05:00Z"));
        new DailyAggregation(engine.config(), engine.archive(), engine.store(), engine.calendar(), clock).runOnce(nov01);
        assertEquals(2L, engine.archive().range(new CounterKey("ny", "home"), nov01, nov01).get(nov01));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void aNewZoneStartsAtTheNextLocalMidnightAndMovesNoCountMade(String store) throws Exception {
        admin.sync().flushall();
        clock.set(Instant.parse("2026-11-30T12:00:00Z"));
        engine = start(store);
        hit("acme", "2026-11-30T12:00:00Z"); // UTC 11-30; under +14 it would be 12-01
        TenantSettings changed = engine.tenants().source().update("acme", true,
                t -> t.withTimeZone("Pacific/Kiritimati", ZoneOffset.UTC, clock.instant()));
        assertEquals(LocalDate.parse("2026-12-02"), changed.zoneChange().from(), "after today in both zones");
        engine.tenants().reloadIfChanged();
        hit("acme", "2026-11-30T12:30:00Z"); // still UTC: 11-30
        hit("acme", "2026-12-01T09:59:00Z"); // still UTC: 12-01
        hit("acme", "2026-12-01T10:00:00Z"); // Kiritimati's midnight of 12-02: the new zone from here
        hit("acme", "2026-12-01T23:00:00Z"); // 12-02 13:00 local
        engine.flush();
        assertEquals(2, count("acme", NOV30)); // before the live window of the embedded store after a restart
        for (int run = 0; run < 2; run++) {
            assertEquals(1, count("acme", DEC01));
            assertEquals(2, count("acme", DEC01.plusDays(1)));
            assertEquals("2+1", query("acme", null, null), "today is 12-02 in Kiritimati");
            engine.close();
            engine = start(store);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void theDailyPassWritesATenantBehindTimezoneOnceTheFileWithItsLastHoursIsClosed(String store) throws Exception {
        admin.sync().flushall();
        clock.set(Instant.parse("2026-12-01T12:00:00Z"));
        engine = start(store);
        register("pago", "Pacific/Pago_Pago");
        engine.tenants().reloadIfChanged();
        hit("pago", "2026-12-01T23:30:00Z"); // 12-01 12:30 in Pago Pago
        hit("pago", "2026-12-02T10:30:00Z"); // 12-01 23:30: in the file of server day 12-02
        engine.flush();
        clock.set(Instant.parse("2026-12-03T00:05:00Z"));
        LocalDate dec01 = LocalDate.parse("2026-12-01");
        try (DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(),
                engine.calendar(), clock)) {
            daily.start(); // the pass at start: yesterday (12-02), and 12-01, which pago kept open until 12-02 11:00 UTC
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!engine.archive().isAggregated(dec01) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertTrue(engine.archive().isAggregated(dec01));
        assertEquals(2L, engine.archive().range(new CounterKey("pago", "home"), dec01, dec01).get(dec01));
    }

    /** A registry that cannot be read at start leaves zones unknown: replaying the log then would misdate zoned tenants. */
    @org.junit.jupiter.api.Test
    void theCrashReplayWaitsForTheTenantsZones() throws Exception {
        admin.sync().flushall();
        clock.set(Instant.parse("2026-11-30T12:00:00Z"));
        engine = start("redis"); // a first start: the node's replay record begins
        register("kiri", "Pacific/Kiritimati");
        engine.close();
        // A hit the log has and Redis lacks (the node crashed before its flush), for a tenant at +14:00.
        java.nio.file.Files.writeString(dir.resolve("logs").resolve("2026-11-30-access.log"),
                "{\"ts\":\"2026-11-30T10:30:00.000Z\",\"tenant\":\"kiri\",\"counter\":\"home\",\"inc\":1,\"status\":200}\n");
        admin.sync().hset("rct:{kiri}", "time-zone", "Mars/Olympus"); // edited by hand into something bad
        admin.sync().incr("rct:version");
        engine = start("redis");
        assertFalse(engine.tenants().loaded());
        assertEquals(0, count("kiri", DEC01), "not replayed while kiri's zone is unknown");
        assertEquals(null, admin.sync().hget("rc:{kiri}:20261130", "home"), "nor put on the server's day");
        engine.close();

        admin.sync().hset("rct:{kiri}", "time-zone", "Pacific/Kiritimati");
        admin.sync().incr("rct:version");
        engine = start("redis");
        assertEquals(1, count("kiri", DEC01), "replayed on kiri's date once its zone is known");
    }
}
