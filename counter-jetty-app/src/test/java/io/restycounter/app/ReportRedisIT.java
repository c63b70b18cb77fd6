package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.TenantKeys;
import io.restycounter.core.report.DailyAggregation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reporting with a real redis-server: tenant keys in Redis, the archive in Redis, reconciliation across midnight. */
class ReportRedisIT {

    @TempDir
    Path dir;
    private RedisServer redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.launch();
        client = RedisClient.create(redis.url());
        connection = client.connect();
    }

    @AfterEach
    void stopRedis() {
        connection.close();
        client.shutdown();
        redis.close();
    }

    private String[] redisSettings(String... more) {
        String[] base = {"REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port()), "RATE_LIMIT", "0",
                "REDIS_EXPIRE_DAYS", "3"};
        String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }

    private Settings settings(Path logs) {
        return Settings.of(Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port()),
                "LOG_DIR", logs.toString(), "REDIS_EXPIRE_DAYS", "3", "API_KEY", TestServer.API_KEY));
    }

    @Test
    void tenantKeysInRedisAreStoredHashed() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        Path logs = dir.resolve("logs");
        try (TestServer app = TestServer.start(logs, clock, redisSettings())) {
            Settings settings = settings(logs);
            String key = ReportIT.createKey(settings, "gamma");
            Set<String> stored = connection.sync().smembers("rck:{gamma}");
            assertEquals(Set.of(TenantKeys.sha256Hex(key)), stored, "only the SHA-256 is kept");
            assertFalse(stored.contains(key));
            ReportIT.assertTenantKeyTable(app, settings);
            assertEquals(0, connection.sync().exists("rck:{acme}"));
        }
    }

    @Test
    void archiveAndLiveStoreAgreeAcrossMidnight() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T23:59:50Z"));
        Path logs = dir.resolve("logs");
        LocalDate day = LocalDate.parse("2026-11-28");
        try (TestServer app = TestServer.start(logs, clock, redisSettings())) {
            for (int i = 0; i < 25; i++) {
                assertEquals(200, app.get("/p/acme/signup").statusCode());
                assertEquals(200, app.get("/p/acme/news.a?v=3").statusCode());
                clock.advanceMillis(400);
            }
            // Now 00:00:00 on the 29th: these go to the new day, in Redis and in the log.
            assertEquals(200, app.get("/p/acme/signup?v=7").statusCode());
            assertEquals(200, app.get("/p/beta/x").statusCode());
            clock.set(Instant.parse("2026-11-29T00:02:00Z"));
            CounterEngine engine = app.server().engine();
            engine.flush();

            DailyAggregation.Pass pass = new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock).runOnce(day);
            assertEquals(50, pass.aggregated().hits());
            assertTrue(pass.reconciled().ok(), pass.reconciled().drift().toString());
            assertEquals(2, pass.reconciled().counters());
            assertEquals("25", connection.sync().hget("rca:{acme}:202611", "signup:28"));
            assertEquals("75", connection.sync().hget("rca:{acme}:202611", "news.a:28"));
            assertEquals("25", connection.sync().hget("rc:{acme}:20261128", "signup"));
            assertEquals(7, engine.counts(new CounterKey("acme", "signup"), day.plusDays(1), day.plusDays(1))
                    .get(day.plusDays(1)));

            Clock at = Clock.fixed(Instant.parse("2026-11-29T00:03:00Z"), ZoneOffset.UTC);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, Main.verify(settings(logs), "2026-11-28", at, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream())), out.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("no drift"), out.toString(StandardCharsets.UTF_8));

            // A count that reached Redis without its log line is drift.
            connection.sync().hincrby("rc:{acme}:20261128", "signup", 2);
            out.reset();
            assertEquals(1, Main.verify(settings(logs), "2026-11-28", at, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream())));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("drift acme/signup: archive 25, live 27 (+2)"),
                    out.toString(StandardCharsets.UTF_8));
            assertFalse(new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock).runOnce(day).reconciled().ok(), "the daily job sees it too");

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(Main.EXIT_CONFIG, Main.verify(settings(logs), "2026-11-29", at, new PrintStream(out),
                    new PrintStream(err, true, StandardCharsets.UTF_8)), "today is not closed");
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("verify: --day:"));
        }
    }

    @Test
    void aggregateCommandWritesTheRedisArchive() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
        Path logs = dir.resolve("logs");
        try (TestServer app = TestServer.start(logs, clock, redisSettings())) {
            assertEquals(200, app.get("/p/acme/signup?v=4").statusCode());
            app.server().engine().flush();
        }
        Clock at = Clock.fixed(Instant.parse("2026-12-01T00:03:00Z"), ZoneOffset.UTC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 2; i++) {
            assertEquals(0, Main.aggregate(settings(logs), "2026-11-27", at, new PrintStream(out),
                    new PrintStream(new ByteArrayOutputStream())));
            // The day, the counter's month total, and the mark that the month kept its totals from its first share.
            assertEquals(Map.of("signup:27", "4", "signup:t", "4", ":totals", "1"),
                    connection.sync().hgetall("rca:{acme}:202611"), "run " + i);
        }
        assertTrue(connection.sync().sismember("rca:days", "2026-11-27"));
        assertEquals(Main.EXIT_CONFIG, Main.aggregate(settings(logs), "27/11/2026", at, new PrintStream(out),
                new PrintStream(new ByteArrayOutputStream())));
    }
}
