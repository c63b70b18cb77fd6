package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fate of every hit, through the real app with real pixels: each fate in the query JSON with its
 * number, in the embedded store (and what of it a restart rebuilds from the log) and in a real Redis.
 */
class FatesIT {

    private static final String DAY = "2026-11-29";
    private static final String UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    private static final String[] SETTINGS = {"TRUSTED_PROXIES", "127.0.0.1/32", "RATE_LIMIT", "1", "RATE_BURST", "1",
        "MAX_HITS_PER_SECOND", "4", "PRIVACY", "respect-signals", "SIGNING_KEYS", "signed:it-signing-secret-0123"};
    /** Every fate of acme/home, in the JSON's order: the one answer both stores must give. */
    private static final String ALL_FATES =
            "\"fates\":{\"bot\":1,\"rate_limited\":1,\"over_quota\":1,\"refused\":2,\"private\":1,\"prefetch\":1}";

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse(DAY + "T10:00:00Z"));

    private TestServer start(String... more) throws Exception {
        return TestServer.start(dir.resolve("logs"), clock, Stream.concat(Stream.of(SETTINGS), Stream.of(more))
                .toArray(String[]::new));
    }

    private int hit(TestServer app, String pathAndQuery, int client, String... more) throws Exception {
        List<String> headers = new ArrayList<>(List.of("X-Forwarded-For", "203.0.113." + client));
        headers.addAll(List.of(more));
        if (!headers.contains("User-Agent")) {
            headers.addAll(List.of("User-Agent", UA));
        }
        return app.get(pathAndQuery, headers.toArray(String[]::new)).statusCode();
    }

    /** One hit of each fate on acme/home, 8 counted hits in all, and one bad signature on signed/news. */
    private void sendEveryFate(TestServer app) throws Exception {
        assertEquals(200, hit(app, "/p/acme/home", 1));
        clock.advanceMillis(1000);
        assertEquals(200, hit(app, "/p/acme/home", 2));
        assertEquals(200, hit(app, "/p/acme/home", 3, "User-Agent", GOOGLEBOT), "a bot gets its pixel");
        assertEquals(200, hit(app, "/p/acme/home", 4, "Sec-GPC", "1"), "counted, and private");
        assertEquals(200, hit(app, "/p/acme/home", 5, "Sec-Purpose", "prefetch"), "not counted");
        assertEquals(400, hit(app, "/p/acme/home?v=abc", 6));
        assertEquals(400, hit(app, "/p/acme/home?redir=https://evil.example/", 7));
        clock.advanceMillis(1000);
        assertEquals(200, hit(app, "/p/acme/home", 8));
        assertEquals(429, hit(app, "/p/acme/home", 8), "RATE_LIMIT=1 a client");
        clock.advanceMillis(1000);
        for (int client = 20; client < 24; client++) {
            assertEquals(200, hit(app, "/p/acme/home", client));
        }
        assertEquals(429, hit(app, "/p/acme/home", 24), "MAX_HITS_PER_SECOND=4 a tenant");
        assertEquals(403, hit(app, "/p/signed/news", 30), "not signed");
        assertEquals(404, hit(app, "/p/signed/no%20such", 31), "a malformed counter has no fate");
        clock.advanceMillis(1000);
        assertEquals(200, hit(app, "/p/acme/clean", 32));
        app.server().engine().flush();
    }

    private static String query(TestServer app, String tenantAndCounter) throws Exception {
        String range = (tenantAndCounter.contains("?") ? "&" : "?") + "from=" + DAY + "&to=" + DAY;
        HttpResponse<byte[]> r = app.get("/p-query/" + tenantAndCounter + range, "X-Api-Key", TestServer.API_KEY);
        assertEquals(200, r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static void assertEveryFate(TestServer app) throws Exception {
        String home = query(app, "acme/home");
        assertTrue(home.contains("\"total\":8," + ALL_FATES), home);
        assertTrue(home.contains("\"count\":8," + ALL_FATES), home);
        String signed = query(app, "signed/news");
        assertTrue(signed.contains("\"total\":0,\"fates\":{\"bad_signature\":1}"), signed);
        String clean = query(app, "acme/clean");
        assertTrue(clean.contains("\"count\":1,"), clean);
        assertFalse(clean.contains("fates"), "no fate, no object: a clean counter's answer is as before " + clean);
        String several = query(app, "acme?counter=home&counter=clean");
        assertTrue(several.contains("\"counter\":\"home\",\"total\":8," + ALL_FATES), several);
    }

    @Test
    void everyFateInTheEmbeddedStoreAndWhatARestartRebuildsFromTheLog() throws Exception {
        try (TestServer app = start()) {
            sendEveryFate(app);
            assertEveryFate(app);
        }
        try (TestServer app = start()) {
            String home = query(app, "acme/home");
            assertTrue(home.contains("\"count\":8,\"fates\":{\"bot\":1,\"private\":1}"),
                    "the log keeps bot and private lines; the others are lost " + home);
        }
    }

    @Test
    void everyFateInRedisOnceAndAfterARestart() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            String[] inRedis = {"REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port())};
            try (TestServer app = start(inRedis)) {
                sendEveryFate(app);
                assertEveryFate(app);
                app.server().engine().flush();
                assertEveryFate(app); // a flush with nothing new adds no fate twice
            }
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                Map<String, String> fates = c.sync().hgetall("rcf:{acme}:20261129");
                assertEquals("2", fates.get("home|refused"));
                assertEquals("1", fates.get("home|bot"));
                assertFalse(c.sync().hexists("rc:{acme}:20261129", "home|bot"), "no fate in the day hash");
            } finally {
                client.shutdown();
            }
            try (TestServer app = start(inRedis)) {
                assertEveryFate(app);
            }
        }
    }
}
