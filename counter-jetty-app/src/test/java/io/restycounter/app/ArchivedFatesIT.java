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
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, item 2: archived days carry their fates. The daily aggregation keeps {@code bot} and
 * {@code private} from the log lines and the others from the live counters before they expire; once
 * the day has left the live window, the query answers every fate from the archive, per day and in the
 * range's total. Through the real app, embedded and in a real Redis.
 */
class ArchivedFatesIT {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 29);
    private static final String UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    private static final String ALL_FATES =
            "\"fates\":{\"bot\":1,\"rate_limited\":1,\"over_quota\":1,\"refused\":2,\"private\":1,\"prefetch\":1}";

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse(DAY + "T10:00:00Z"));

    private int hit(TestServer app, String pathAndQuery, int client, String... more) throws Exception {
        List<String> headers = new ArrayList<>(List.of("X-Forwarded-For", "203.0.113." + client));
        headers.addAll(List.of(more));
        if (!headers.contains("User-Agent")) {
            headers.addAll(List.of("User-Agent", UA));
        }
        return app.get(pathAndQuery, headers.toArray(String[]::new)).statusCode();
    }

    private String query(TestServer app, String tenantAndCounter) throws Exception {
        HttpResponse<byte[]> r = app.get("/p-query/" + tenantAndCounter + "?from=" + DAY.minusDays(1) + "&to=" + DAY,
                "X-Api-Key", TestServer.API_KEY);
        assertEquals(200, r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void anArchivedDayAnswersEveryFate(String store) throws Exception {
        List<String> settings = new ArrayList<>(List.of("TRUSTED_PROXIES", "127.0.0.1/32", "RATE_LIMIT", "1",
                "RATE_BURST", "1", "MAX_HITS_PER_SECOND", "4", "PRIVACY", "respect-signals",
                "SIGNING_KEYS", "signed:it-signing-secret-0123", "REDIS_EXPIRE_DAYS", "1"));
        RedisServer redis = store.equals("redis") ? RedisServer.launch() : null;
        if (redis != null) {
            settings.addAll(List.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port())));
        }
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, settings.toArray(String[]::new))) {
            assertEquals(200, hit(app, "/p/acme/home", 1));
            clock.advanceMillis(1000);
            assertEquals(200, hit(app, "/p/acme/home", 2));
            assertEquals(200, hit(app, "/p/acme/home", 3, "User-Agent", GOOGLEBOT));
            assertEquals(200, hit(app, "/p/acme/home", 4, "Sec-GPC", "1"));
            assertEquals(200, hit(app, "/p/acme/home", 5, "Sec-Purpose", "prefetch"));
            assertEquals(400, hit(app, "/p/acme/home?v=abc", 6));
            assertEquals(400, hit(app, "/p/acme/home?redir=https://evil.example/", 7));
            clock.advanceMillis(1000);
            assertEquals(200, hit(app, "/p/acme/home", 8));
            assertEquals(429, hit(app, "/p/acme/home", 8));
            clock.advanceMillis(1000);
            for (int client = 20; client < 24; client++) {
                assertEquals(200, hit(app, "/p/acme/home", client));
            }
            assertEquals(429, hit(app, "/p/acme/home", 24));
            assertEquals(403, hit(app, "/p/signed/news", 30));
            CounterEngine engine = app.server().engine();
            engine.flush();

            clock.set(Instant.parse(DAY.plusDays(1) + "T00:03:00Z"));
            engine.flush(); // the log writer rolls over to the new day and closes the old file
            DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock);
            daily.runOnce(DAY);
            daily.runOnce(DAY); // again: the same shares, no fate twice

            clock.set(Instant.parse(DAY.plusDays(2) + "T10:00:00Z"));
            assertTrue(engine.liveFrom("acme").isAfter(DAY), "the day has left the live window");
            String home = query(app, "acme/home");
            assertTrue(home.contains("\"total\":8," + ALL_FATES), home);
            assertTrue(home.contains("{\"day\":\"" + DAY + "\",\"count\":8," + ALL_FATES), home);
            assertTrue(home.contains("\"source\":\"archive\""), home);
            String signed = query(app, "signed/news");
            assertTrue(signed.contains("\"total\":0,\"fates\":{\"bad_signature\":1}"), signed);
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }
}
