package io.restycounter.core.http;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterQueryTest {

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;
    private CounterQuery query;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", "0123456789abcdef"))), clock);
        query = new CounterQuery(engine);
        CounterKey key = new CounterKey("acme", "signup");
        engine.record(new Hit(engine.now(), key, 2, 200, "GET", "/", null, null, null, null, null, null));
        clock.set(Instant.parse("2026-11-29T12:00:00Z"));
        engine.record(new Hit(engine.now(), key, 8, 200, "GET", "/", null, null, null, null, null, null));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void textIsTodayPlusYesterday() {
        CounterQuery.Answer a = query.answer("/acme/signup", "apikey=0123456789abcdef", null, null, "*/*");
        assertEquals(new CounterQuery.Answer(200, "text/plain; charset=utf-8", "8+2"), a);
    }

    @Test
    void jsonByAcceptOrFormat() {
        String json = "{\"tenant\":\"acme\",\"counter\":\"signup\",\"today\":8,\"yesterday\":2}";
        assertEquals(json, query.answer("/acme/signup", null, "0123456789abcdef", null, "application/json").body());
        assertEquals(json, query.answer("/acme/signup", "format=json", null, "Bearer 0123456789abcdef", null).body());
        assertEquals("application/json", query.answer("/acme/signup", "format=json", "0123456789abcdef", null, null).contentType());
    }

    @Test
    void unknownCounterIsZero() {
        assertEquals("0+0", query.answer("/acme/nothing", null, "0123456789abcdef", null, null).body());
    }

    @Test
    void missingKeyIs401AndWrongKeyIs403() {
        assertEquals(401, query.answer("/acme/signup", null, null, null, null).status());
        assertEquals(401, query.answer("/acme/signup", "apikey=", null, "Basic abc", null).status());
        assertEquals(403, query.answer("/acme/signup", "apikey=0123456789abcdeX", null, null, null).status());
        assertEquals(403, query.answer("/acme/signup", null, null, "Bearer wrong", null).status());
        CounterQuery.Answer a = query.answer("/acme/signup", null, "nope", null, "application/json");
        assertEquals(403, a.status());
        assertEquals("{\"error\":\"apikey: not valid\"}", a.body());
    }

    @Test
    void authIsCheckedBeforeThePath() {
        assertEquals(401, query.answer("/ACME/x", null, null, null, null).status());
    }

    @Test
    void badPathIs404NamingTheField() {
        CounterQuery.Answer a = query.answer("/ACME/signup", null, "0123456789abcdef", null, null);
        assertEquals(404, a.status());
        assertTrue(a.body().startsWith("tenant:"), a.body());
        assertEquals(404, query.answer("/acme/a%2Fb", null, "0123456789abcdef", null, null).status());
    }

    @Test
    void jsonSeriesCarryUniquesBesideEachLiveDaysCountAndTheRangesTotal() throws Exception {
        CounterKey key = new CounterKey("acme", "signup");
        for (String ip : new String[] {"203.0.113.7", "203.0.113.7", "198.51.100.1"}) {
            engine.record(new Hit(engine.now(), key, 1, 200, "GET", "/", ip, null, null, null, null, "Firefox"));
        }
        engine.flush();
        String body = query.answer("/acme/signup", "from=2026-11-26&to=2026-11-29", "0123456789abcdef", null, null).body();
        assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"from\":\"2026-11-26\",\"to\":\"2026-11-29\","
                + "\"total\":13,\"uniques\":4,\"days\":["
                + "{\"day\":\"2026-11-26\",\"count\":0,\"uniques\":0,\"source\":\"archive\"},"
                + "{\"day\":\"2026-11-27\",\"count\":0,\"uniques\":0,\"source\":\"archive\"},"
                + "{\"day\":\"2026-11-28\",\"count\":2,\"uniques\":1,\"source\":\"live\"},"
                + "{\"day\":\"2026-11-29\",\"count\":11,\"uniques\":3,\"source\":\"live\"}]}", body,
                "the hit without address or agent is one visitor a day; the range sums the days (UNIQUES_PERIOD=day)");
        String older = query.answer("/acme/signup", "from=2026-10-01&to=2026-11-29", "0123456789abcdef", null, null).body();
        assertTrue(older.contains("\"total\":13,\"uniques\":4,\"uniques_from\":\"2026-10-25\","), older);
        assertTrue(older.contains("{\"day\":\"2026-10-24\",\"count\":0,\"source\":\"archive\"}"),
                "no uniques kept past UNIQUES_KEEP_DAYS (35): " + older);
    }
}
