package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import io.restycounter.core.report.DailyAggregation;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 3, on the embedded store: {@code all_time} in the query JSON and {@code show=total} on a
 * badge, kept by the daily aggregation; older than MAX_RANGE_DAYS, so no range query could sum it.
 */
class AllTimeQueryTest {

    private static final String KEY = "0123456789abcdef";

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2025-06-10T12:00:00Z"));
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.resolve("logs").toString(),
                "ARCHIVE_DIR", dir.resolve("archive").toString(), "API_KEY", KEY, "RATE_LIMIT", "0",
                "MAX_RANGE_DAYS", "31"))), clock);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private void hit(String day, long inc) {
        clock.set(Instant.parse(day + "T12:00:00Z"));
        assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), new CounterKey("acme", "signup"),
                inc, 200, "GET", "/", "198.51.100.1", null, null, null, null, null)));
    }

    private void aggregate(String... days) throws Exception {
        engine.flush();
        DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock);
        for (String d : days) {
            daily.runOnce(LocalDate.parse(d));
        }
    }

    private String json(String path, String query) {
        HttpAnswer a = new CounterQuery(engine).respond("GET", new CounterQuery.Request(path, query, KEY, null,
                "application/json", null, null, "203.0.113.1"));
        assertEquals(200, a.status(), a.bodyText());
        return a.bodyText();
    }

    @Test
    void allTimeIsKeptByTheAggregationAndReadWithTheLiveDays() throws Exception {
        hit("2025-06-10", 3);
        hit("2026-01-05", 4);
        hit("2026-11-27", 5);
        aggregate("2025-06-10", "2026-01-05"); // once their files are closed: a day is aggregated after it ends
        hit("2026-11-28", 1);
        aggregate("2026-11-27");
        hit("2026-11-29", 2);

        assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"today\":2,\"yesterday\":1,\"all_time\":15}",
                json("/acme/signup", "all_time=true"));
        assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"today\":2,\"yesterday\":1}",
                json("/acme/signup", "format=json"), "only when asked");
        String range = json("/acme/signup", "from=2026-11-28&all_time=true");
        assertTrue(range.contains("\"total\":3,") && range.endsWith(",\"all_time\":15}"), range);
        String many = json("/acme", "counter=signup&counter=none&all_time=true");
        assertTrue(many.contains("\"counter\":\"none\",\"total\":0,") && many.contains("\"all_time\":0}"), many);
        assertTrue(many.contains("\"all_time\":15}"), many);

        aggregate("2025-06-10", "2026-01-05", "2026-11-27");
        assertTrue(json("/acme/signup", "all_time=true").endsWith("\"all_time\":15}"), "aggregating again changes nothing");

        HttpAnswer badge = new Badges(engine).respond("GET", "/acme/signup.svg", "show=total", null,
                pixel -> engine.record(new Hit(engine.now(), pixel.key(), pixel.inc(), pixel.status(), "GET", "/b",
                        "198.51.100.2", null, null, null, null, null)));
        assertTrue(badge.bodyText().contains("<text class=\"value\"") && badge.bodyText().contains(">16</text>"),
                badge.bodyText());
    }

    @Test
    void untilTheFirstBuildItIsTheLastMaxRangeDaysAndSaysSo() throws Exception {
        hit("2025-06-10", 3);
        hit("2026-11-29", 2);
        assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"today\":2,\"yesterday\":0,\"all_time\":2,"
                + "\"all_time_complete\":false}", json("/acme/signup", "all_time=true"));
    }

    @Test
    void allTimeIsNeverCachedAndABadValueIs400() throws Exception {
        hit("2026-11-25", 1);
        hit("2026-11-29", 1);
        aggregate("2026-11-25", "2026-11-26");
        CounterQuery query = new CounterQuery(engine);
        HttpAnswer closed = query.respond("GET", new CounterQuery.Request("/acme/signup",
                "from=2026-11-25&to=2026-11-26", KEY, null, null, null, null, "203.0.113.1"));
        assertTrue(closed.header("ETag") != null, "a closed range is cached");
        HttpAnswer withTotal = query.respond("GET", new CounterQuery.Request("/acme/signup",
                "from=2026-11-25&to=2026-11-26&all_time=true", KEY, null, null, null, null, "203.0.113.1"));
        assertNull(withTotal.header("ETag"));
        assertEquals("no-store", withTotal.header("Cache-Control"));
        HttpAnswer bad = query.respond("GET", new CounterQuery.Request("/acme/signup", "all_time=yes&format=json", KEY,
                null, null, null, null, "203.0.113.1"));
        assertEquals(400, bad.status());
        assertEquals("{\"error\":\"all_time: expected true or false\",\"parameter\":\"all_time\"}", bad.bodyText());
    }
}
