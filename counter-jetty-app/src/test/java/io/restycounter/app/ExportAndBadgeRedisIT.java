package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.report.DailyAggregation;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18, items 4 and 5, on a real redis-server: CSV over archived and live days, badges counting into Redis. */
class ExportAndBadgeRedisIT {

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

    private static String value(HttpResponse<byte[]> badge) {
        Matcher m = Pattern.compile("<text class=\"value\"[^>]*>([^<]*)</text>")
                .matcher(new String(badge.body(), StandardCharsets.UTF_8));
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void badgesCountIntoRedisAndCsvReadsTheArchiveAndTheLiveDays() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "RATE_LIMIT", "0", "REDIS_EXPIRE_DAYS", "1")) {
            assertEquals("1", value(app.get("/b/acme/readme.svg")));
            assertEquals("4", value(app.get("/b/acme/readme.svg?v=3")));
            assertEquals(200, app.get("/p/acme/-2-1").statusCode());
            CounterEngine engine = app.server().engine();
            engine.flush();
            assertEquals("4", connection.sync().hget("rc:{acme}:20261125", "readme"), "counted into Redis");
            clock.set(Instant.parse("2026-11-28T10:00:00Z"));
            new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock)
                    .runOnce(LocalDate.parse("2026-11-25"));
            assertEquals("1", value(app.get("/b/acme/readme.svg")));
            assertEquals("6", value(app.get("/b/acme/readme.svg?show=range&from=2026-11-25")), "4 archived + 2 today");
            assertEquals("7", value(app.get("/b/acme/readme.svg?show=total&label=all")), "all-time, kept in Redis");
            assertEquals("done", connection.sync().get("rca:{acme}:all:built"), "built by the aggregation");
            assertEquals("4", connection.sync().hget("rca:{acme}:all", "readme"), "the archived days");
            assertTrue(new String(app.get("/p-query/acme/readme?all_time=true", "X-Api-Key", TestServer.API_KEY,
                    "Accept", "application/json").body(), StandardCharsets.UTF_8).endsWith("\"all_time\":7}"),
                    "4 archived + 3 views today; a query is no view");
            engine.flush();

            HttpResponse<byte[]> csv = app.get("/p-query/acme?counter=readme&counter=-2-1&from=2026-11-25",
                    "X-Api-Key", TestServer.API_KEY, "Accept", "text/csv");
            assertEquals(200, csv.statusCode());
            assertEquals("counter,day,count,source\r\n"
                    + "readme,2026-11-25,4,archive\r\nreadme,2026-11-26,0,archive\r\n"
                    + "readme,2026-11-27,0,live\r\nreadme,2026-11-28,3,live\r\n"
                    + "'-2-1,2026-11-25,1,archive\r\n'-2-1,2026-11-26,0,archive\r\n"
                    + "'-2-1,2026-11-27,0,live\r\n'-2-1,2026-11-28,0,live\r\n",
                    new String(csv.body(), StandardCharsets.UTF_8));
            HttpResponse<byte[]> page = app.get("/p-query/acme?prefix=&limit=1&from=2026-11-25&format=csv",
                    "X-Api-Key", TestServer.API_KEY);
            assertEquals("-2-1", page.headers().firstValue("X-Next-Cursor").orElse(null));
            assertTrue(new String(page.body(), StandardCharsets.UTF_8).startsWith("counter,day,count,source\r\n'-2-1,"));
        }
    }
}
