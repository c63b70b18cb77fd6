package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.report.DailyAggregation;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18 item 2 over HTTP: {@code granularity=hour} answers each hour of a day in the TIMEZONE with the
 * pixels sent in it, 25 entries on the day daylight saving ends (02:00 twice, told apart by the offset),
 * live (embedded, and Redis), after a restart, and archived from the log; CSV one row per hour; bad
 * input is a 400 naming the field.
 */
class HourlyQueryIT {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final LocalDate LONG_DAY = LocalDate.of(2026, 10, 25);
    private static final String HOURS = "/p-query/acme/home?from=2026-10-25&to=2026-10-25&granularity=hour";

    @TempDir
    Path dir;

    private static Instant at(int hourIndex, int minute) {
        return LONG_DAY.atStartOfDay(PARIS).toInstant().plus(Duration.ofHours(hourIndex)).plusSeconds(60L * minute);
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static void pixels(TestServer app, MutableClock clock, int hourIndex, int n) throws Exception {
        clock.set(at(hourIndex, 30));
        for (int i = 0; i < n; i++) {
            assertEquals(200, app.get("/p/acme/home").statusCode());
        }
    }

    /** The expected hour entries of the day: 3 at the first 02:00 (+02:00), 2 at the second (+01:00), 1 at 23:00. */
    private static String expectedHours() {
        List<String> entries = new ArrayList<>();
        for (int h = 0; h < 25; h++) {
            String label = LONG_DAY.atStartOfDay(PARIS).plusHours(h).toOffsetDateTime().toString();
            long count = h == 2 ? 3 : h == 3 ? 2 : h == 24 ? 1 : 0;
            entries.add("{\"hour\":\"" + label + "\",\"count\":" + count + "}");
        }
        return "\"hours\":[" + String.join(",", entries) + "]";
    }

    private static void assertHours(TestServer app, String source, String when) throws Exception {
        HttpResponse<byte[]> r = app.get(HOURS, "X-Api-Key", TestServer.API_KEY);
        assertEquals(200, r.statusCode(), when);
        String json = body(r);
        assertTrue(json.contains("\"granularity\":\"hour\",\"zone\":\"Europe/Paris\""), when + ": " + json);
        assertTrue(json.contains("{\"day\":\"2026-10-25\",\"count\":6,"), when + ": " + json);
        assertTrue(json.contains("\"source\":\"" + source + "\"," + expectedHours() + "}"), when + ": " + json);
        assertTrue(json.contains("\"2026-10-25T02:00+02:00\",\"count\":3},{\"hour\":\"2026-10-25T02:00+01:00\",\"count\":2}"),
                "the repeated hour keeps both, by offset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void hoursOfA25HourDayLiveAfterARestartAndArchived(String store) throws Exception {
        MutableClock clock = new MutableClock(at(0, 0));
        RedisServer redis = store.equals("redis") ? RedisServer.launch() : null;
        List<String> settings = new ArrayList<>(List.of("TIMEZONE", "Europe/Paris", "RATE_LIMIT", "0",
                "REDIS_EXPIRE_DAYS", "1"));
        if (redis != null) {
            settings.addAll(List.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port())));
        }
        String[] config = settings.toArray(String[]::new);
        try {
            try (TestServer app = TestServer.start(dir.resolve("logs"), clock, config)) {
                pixels(app, clock, 2, 3);
                pixels(app, clock, 3, 2);
                pixels(app, clock, 24, 1);
                assertHours(app, "live", store + ", live");
                app.server().engine().flush();
                assertHours(app, "live", store + ", flushed");
            }
            try (TestServer app = TestServer.start(dir.resolve("logs"), clock, config)) {
                assertHours(app, "live", store + ", after a restart");
                clock.set(Instant.parse("2026-10-28T10:00:00Z"));
                CounterEngine engine = app.server().engine();
                new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock).runOnce(LONG_DAY);
                assertTrue(engine.liveFrom("acme").isAfter(LONG_DAY), "the day is archived now");
                assertHours(app, "archive", store + ", archived");
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void csvHasOneRowPerHourAndBadInputIsA400NamingTheField() throws Exception {
        MutableClock clock = new MutableClock(at(0, 0));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "TIMEZONE", "Europe/Paris",
                "RATE_LIMIT", "0")) {
            pixels(app, clock, 3, 2);
            HttpResponse<byte[]> csv = app.get(HOURS + "&format=csv", "X-Api-Key", TestServer.API_KEY);
            assertEquals(200, csv.statusCode());
            String[] rows = body(csv).split("\r\n");
            assertEquals("counter,hour,count,source", rows[0]);
            assertEquals(26, rows.length, "a header and 25 hours");
            assertEquals("home,2026-10-25T02:00+02:00,0,live", rows[3]);
            assertEquals("home,2026-10-25T02:00+01:00,2,live", rows[4]);

            String day = body(app.get("/p-query/acme/home?from=2026-10-26&to=2026-10-26&granularity=hour",
                    "X-Api-Key", TestServer.API_KEY));
            assertEquals(24, day.split("\"hour\":").length - 1, "an ordinary day has 24 hours: " + day);
            String spring = body(app.get("/p-query/acme/home?from=2026-03-29&to=2026-03-29&granularity=hour",
                    "X-Api-Key", TestServer.API_KEY));
            assertEquals(23, spring.split("\"hour\":").length - 1, "the day daylight saving begins has 23");

            assertBad(app, "/p-query/acme/home?from=2026-10-25&granularity=minute", "granularity");
            assertBad(app, "/p-query/acme?counter=home&from=2026-10-25&granularity=hour", "granularity");
            assertBad(app, "/p-query/acme/home?from=2026-09-01&to=2026-10-25&granularity=hour", "from");
            HttpResponse<byte[]> daily = app.get("/p-query/acme/home?from=2026-10-25&to=2026-10-25&granularity=day",
                    "X-Api-Key", TestServer.API_KEY);
            assertEquals(200, daily.statusCode());
            assertTrue(!body(daily).contains("\"hours\""), "granularity=day is the daily series");
        }
    }

    private static void assertBad(TestServer app, String query, String field) throws Exception {
        HttpResponse<byte[]> r = app.get(query, "X-Api-Key", TestServer.API_KEY);
        assertEquals(400, r.statusCode(), query);
        assertTrue(body(r).contains("\"parameter\":\"" + field + "\""), query + ": " + body(r));
    }
}
