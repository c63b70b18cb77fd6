package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18, item 6, through the real app: {@code POST /p-query/{tenant}/import} with the tenant's own key
 * loads history that ranges ({@code "source":"import"}), {@code all_time} and badges count; the same file
 * again changes nothing; a bad row, a count the logs hold otherwise, a wrong key or type and a body too
 * large are refused with the status and a line naming what, and change nothing. Embedded and Redis.
 */
class HistoryImportAppIT {

    private static final String ACME_KEY = "acme-key-0123456789abcdef";
    private static final String BETA_KEY = "beta-key-0123456789abcdef";

    @TempDir
    Path dir;

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpResponse<String> post(TestServer app, String tenant, String type, String body, String... key)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(app.uri("/p-query/" + tenant + "/import"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        if (key.length > 0) {
            b.header("X-Api-Key", key[0]);
        }
        return TestServer.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String range(TestServer app) throws Exception {
        HttpResponse<byte[]> r = app.get("/p-query/acme/signup?from=2026-11-20&to=2026-12-01&all_time=true",
                "X-Api-Key", ACME_KEY);
        assertEquals(200, r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8).replaceAll(",\"uniques\":\\d+", ""); // visitors reach Redis a flush later
    }

    private static String badge(TestServer app, String query) throws Exception {
        Matcher m = Pattern.compile("<text class=\"value\"[^>]*>([^<]*)</text>")
                .matcher(new String(app.get("/b/acme/signup.svg" + query).body(), StandardCharsets.UTF_8));
        assertTrue(m.find());
        return m.group(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void postedHistoryCountsInRangesAllTimeAndBadges(String store) throws Exception {
        Path keys = dir.resolve("tenant-keys");
        Files.writeString(keys, "acme:" + sha256(ACME_KEY) + "\nbeta:" + sha256(BETA_KEY) + "\n");
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
        List<String> settings = new ArrayList<>(List.of("TENANT_KEYS", keys.toString(), "RATE_LIMIT", "0"));
        RedisServer redis = store.equals("redis") ? RedisServer.launch() : null;
        if (redis != null) {
            settings.addAll(List.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port())));
        }
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, settings.toArray(String[]::new))) {
            assertEquals(200, app.get("/p/acme/news").statusCode()); // yesterday, live
            clock.set(Instant.parse("2026-12-01T10:00:00Z"));
            assertEquals(200, app.get("/p/acme/signup?v=2").statusCode());
            String csv = "counter,day,count\nsignup,2026-11-20,7\nsignup,2026-11-30,3\n";

            HttpResponse<String> first = post(app, "acme", "text/csv", csv, ACME_KEY);
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("{\"tenant\":\"acme\",\"rows\":2,\"added\":2,\"replaced\":0,\"unchanged\":0}", first.body());
            String body = range(app);
            assertTrue(body.contains("\"total\":12"), body);
            assertTrue(body.contains("{\"day\":\"2026-11-20\",\"count\":7,\"source\":\"import\"}"), body);
            assertTrue(body.contains("{\"day\":\"2026-11-30\",\"count\":3,\"source\":\"import\"}"), body);
            assertTrue(body.contains("{\"day\":\"2026-11-21\",\"count\":0,\"source\":\"archive\"}"), body);
            assertTrue(body.contains("\"all_time\":12"), body);
            assertEquals("13", badge(app, "?show=total"), "the badge counts its own view");
            assertEquals("14", badge(app, "?show=range&from=2026-11-20"), "7 + 3 imported, 4 today");

            HttpResponse<String> again = post(app, "acme", "text/csv; charset=utf-8", csv, ACME_KEY);
            assertEquals("{\"tenant\":\"acme\",\"rows\":2,\"added\":0,\"replaced\":0,\"unchanged\":2}", again.body());
            String before = range(app);

            HttpResponse<String> badRow = post(app, "acme", "text/csv", "signup,2026-11-21,1\nsignup,2026-11-31,4\n",
                    ACME_KEY);
            assertEquals(400, badRow.statusCode());
            assertTrue(badRow.body().startsWith("{\"error\":\"line 2: day: expected yyyy-MM-dd, got \\\"2026-11-31\\\"\""),
                    badRow.body());
            HttpResponse<String> conflict = post(app, "acme", "text/csv", "signup,2026-11-22,1\nnews,2026-11-30,5\n",
                    ACME_KEY);
            assertEquals(409, conflict.statusCode());
            assertTrue(conflict.body().contains("line 2: count: news on 2026-11-30 has 1 from the logs, the file says 5"),
                    conflict.body());
            assertEquals(403, post(app, "acme", "text/csv", csv, BETA_KEY).statusCode(), "another tenant's key");
            assertEquals(401, post(app, "acme", "text/csv", csv).statusCode());
            HttpResponse<String> type = post(app, "acme", "application/json", csv, ACME_KEY);
            assertEquals(415, type.statusCode());
            assertTrue(type.body().contains("Content-Type: expected text/csv"), type.body());
            HttpResponse<String> large = post(app, "acme", "text/csv", "signup,2026-11-23,1\n".repeat(60_000), ACME_KEY);
            assertEquals(413, large.statusCode());
            assertTrue(large.body().contains("body: more than 1048576 bytes"), large.body());
            assertEquals(before, range(app), "a refused file changes nothing");
            assertEquals("0+0", new String(app.get("/p-query/acme/import", "X-Api-Key", ACME_KEY).body(),
                    StandardCharsets.UTF_8), "a GET of the path still queries a counter called import");
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }
}
