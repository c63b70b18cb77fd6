package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import io.restycounter.core.report.DailyAggregation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The range API, CORS and caching, and tenant keys, against the real app with the embedded store. */
class ReportIT {

    static final String KEY = TestServer.API_KEY;

    @TempDir
    Path dir;

    static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static void hit(TestServer app, String path) throws Exception {
        assertEquals(200, app.get(path).statusCode(), path);
    }

    /** Hits on 25th to 28th November; today is the 28th; the 25th and 26th are aggregated into the archive. */
    private TestServer seeded(MutableClock clock, String... settings) throws Exception {
        TestServer app = TestServer.start(dir.resolve("logs"), clock, settings);
        hit(app, "/p/acme/signup?v=2");
        hit(app, "/p/acme/signup");
        hit(app, "/p/acme/news.a");
        hit(app, "/p/beta/signup?v=9");
        clock.set(Instant.parse("2026-11-26T10:00:00Z"));
        hit(app, "/p/acme/signup?v=4");
        clock.set(Instant.parse("2026-11-27T10:00:00Z"));
        hit(app, "/p/acme/news.b?v=5");
        clock.set(Instant.parse("2026-11-28T10:00:00Z"));
        hit(app, "/p/acme/signup");
        CounterEngine engine = app.server().engine();
        engine.flush();
        DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock);
        daily.runOnce(LocalDate.parse("2026-11-25"));
        daily.runOnce(LocalDate.parse("2026-11-26"));
        return app;
    }

    @Test
    void rangeTakesLiveDaysFromTheStoreAndOlderDaysFromTheArchive() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        try (TestServer app = seeded(clock, "RATE_LIMIT", "0")) {
            HttpResponse<byte[]> r = app.get("/p-query/acme/signup?from=2026-11-24&to=2026-11-28", "X-Api-Key", KEY);
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
            assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"from\":\"2026-11-24\",\"to\":\"2026-11-28\","
                    + "\"total\":8,\"uniques\":3,\"days\":["
                    + "{\"day\":\"2026-11-24\",\"count\":0,\"uniques\":0,\"source\":\"archive\"},"
                    + "{\"day\":\"2026-11-25\",\"count\":3,\"uniques\":1,\"source\":\"archive\"},"
                    + "{\"day\":\"2026-11-26\",\"count\":4,\"uniques\":1,\"source\":\"archive\"},"
                    + "{\"day\":\"2026-11-27\",\"count\":0,\"uniques\":0,\"source\":\"live\"},"
                    + "{\"day\":\"2026-11-28\",\"count\":1,\"uniques\":1,\"source\":\"live\"}]}", body(r),
                    "every day carries its unique visitors (this client, once a day), archived ones too (UNIQUES_KEEP_DAYS)");
            assertEquals("1+0", app.query("acme/signup"), "without from/to the seed's answer is unchanged");

            // Proof that the 25th is read from the archive, not the store that still holds it.
            String node = app.server().engine().config().nodeId();
            app.server().engine().archive().replaceShare(node == null ? CounterArchive.UNNAMED_NODE : node, "acme",
                    LocalDate.parse("2026-11-25"), Map.of("signup", 30L));
            assertTrue(body(app.get("/p-query/acme/signup?from=2026-11-25&to=2026-11-25", "X-Api-Key", KEY))
                    .contains("\"total\":30,"));
        }
    }

    @Test
    void severalCountersAndAPrefixInOneCall() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        try (TestServer app = seeded(clock, "RATE_LIMIT", "0")) {
            HttpResponse<byte[]> r = app.get("/p-query/acme?counter=signup&counter=news.a&from=2026-11-25&to=2026-11-26",
                    "X-Api-Key", KEY);
            assertEquals(200, r.statusCode(), body(r));
            assertEquals("{\"tenant\":\"acme\",\"from\":\"2026-11-25\",\"to\":\"2026-11-26\",\"counters\":["
                    + "{\"counter\":\"signup\",\"total\":7,\"uniques\":2,\"days\":["
                    + "{\"day\":\"2026-11-25\",\"count\":3,\"uniques\":1,\"source\":\"archive\"},"
                    + "{\"day\":\"2026-11-26\",\"count\":4,\"uniques\":1,\"source\":\"archive\"}]},"
                    + "{\"counter\":\"news.a\",\"total\":1,\"uniques\":1,\"days\":["
                    + "{\"day\":\"2026-11-25\",\"count\":1,\"uniques\":1,\"source\":\"archive\"},"
                    + "{\"day\":\"2026-11-26\",\"count\":0,\"uniques\":0,\"source\":\"archive\"}]}]}", body(r));

            String prefix = body(app.get("/p-query/acme?prefix=news&from=2026-11-25&to=2026-11-28", "X-Api-Key", KEY));
            assertTrue(prefix.contains("{\"counter\":\"news.a\",\"total\":1,"), prefix);
            assertTrue(prefix.contains("{\"counter\":\"news.b\",\"total\":5,"), "a live-only counter is listed: " + prefix);
            assertFalse(prefix.contains("signup"), prefix);
        }
    }

    @Test
    void badRangesAre400NamingTheParameter() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "MAX_RANGE_DAYS", "31")) {
            Map<String, String> cases = Map.of(
                    "/p-query/acme/signup?from=2026-13-01&to=2026-11-28", "from",
                    "/p-query/acme/signup?from=2026-11-01&to=28.11.2026", "to",
                    "/p-query/acme/signup?from=2026-11-28&to=2026-11-27", "from",
                    "/p-query/acme/signup?from=2026-10-01&to=2026-11-28", "to",
                    "/p-query/acme?counter=a%2Fb&from=2026-11-01", "counter",
                    "/p-query/acme?from=2026-11-01", "counter",
                    "/p-query/acme?prefix=a%20b", "prefix");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                HttpResponse<byte[]> r = app.get(c.getKey(), "X-Api-Key", KEY);
                assertEquals(400, r.statusCode(), c.getKey());
                assertTrue(body(r).startsWith("{\"error\":\"" + c.getValue() + ": "), c.getKey() + " -> " + body(r));
                assertTrue(body(r).endsWith("\"parameter\":\"" + c.getValue() + "\"}"), body(r));
            }
            assertEquals(200, app.get("/p-query/acme/signup?from=2026-10-29&to=2026-11-28", "X-Api-Key", KEY).statusCode(),
                    "31 days is allowed");
        }
    }

    @Test
    void closedArchivedRangesAreCacheableAndCorsIsAnswered() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        try (TestServer app = seeded(clock, "RATE_LIMIT", "0", "CORS_ORIGINS", "https://app.example.com")) {
            HttpResponse<byte[]> r = app.get("/p-query/acme/signup?from=2026-11-25&to=2026-11-26", "X-Api-Key", KEY,
                    "Origin", "https://app.example.com");
            assertEquals(200, r.statusCode());
            String etag = r.headers().firstValue("ETag").orElse(null);
            assertNotNull(etag);
            assertEquals("private, max-age=3600", r.headers().firstValue("Cache-Control").orElse(""));
            assertEquals("https://app.example.com", r.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            HttpResponse<byte[]> again = app.get("/p-query/acme/signup?from=2026-11-25&to=2026-11-26", "X-Api-Key", KEY,
                    "If-None-Match", etag);
            assertEquals(304, again.statusCode());
            assertEquals(0, again.body().length);

            HttpResponse<byte[]> live = app.get("/p-query/acme/signup?from=2026-11-25&to=2026-11-28", "X-Api-Key", KEY,
                    "If-None-Match", etag);
            assertEquals(200, live.statusCode());
            assertTrue(live.headers().firstValue("ETag").isEmpty(), "a range with live days changes: no ETag");
            assertEquals("no-store", live.headers().firstValue("Cache-Control").orElse(""));
            HttpResponse<byte[]> unarchived = app.get("/p-query/acme/signup?from=2026-11-23&to=2026-11-24",
                    "X-Api-Key", KEY);
            assertEquals(200, unarchived.statusCode());
            assertTrue(unarchived.headers().firstValue("ETag").isEmpty(),
                    "the 23rd was never aggregated (the 24th was, by the job at start)");

            HttpResponse<String> pre = TestServer.HTTP.send(HttpRequest.newBuilder(app.uri("/p-query/acme?counter=a"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example.com")
                    .header("Access-Control-Request-Method", "GET")
                    .header("Access-Control-Request-Headers", "x-api-key").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, pre.statusCode());
            assertEquals("https://app.example.com", pre.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            assertTrue(pre.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("X-Api-Key"));
            HttpResponse<byte[]> other = app.get("/p-query/acme/signup", "X-Api-Key", KEY, "Origin", "https://evil.example");
            assertTrue(other.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }

    static String createKey(Settings settings, String tenant) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.tenantKey(settings, "create", tenant, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    static void revoke(Settings settings, String tenant) {
        assertEquals(0, Main.tenantKey(settings, "revoke", tenant, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }

    /** The tenant-key table: right tenant 200, other tenant 403, admin 200, revoked 403. */
    static void assertTenantKeyTable(TestServer app, Settings settings) throws Exception {
        String acme = createKey(settings, "acme");
        String beta = createKey(settings, "beta");
        assertEquals(64, acme.length());
        for (String path : new String[] {"/p-query/acme/signup", "/p-query/acme/signup?from=2026-11-20",
                "/p-query/acme?counter=signup"}) {
            String other = path.replace("acme", "beta");
            assertEquals(200, app.get(path, "X-Api-Key", acme).statusCode(), path);
            assertEquals(403, app.get(other, "X-Api-Key", acme).statusCode(), other);
            assertEquals(200, app.get(other, "Authorization", "Bearer " + beta).statusCode(), other);
            assertEquals(200, app.get(path, "X-Api-Key", KEY).statusCode(), "admin " + path);
            assertEquals(200, app.get(other, "X-Api-Key", KEY).statusCode(), "admin " + other);
        }
        assertEquals(403, app.get("/p-query/acme/signup", "X-Api-Key", acme + "0").statusCode());
        revoke(settings, "acme");
        assertEquals(403, app.get("/p-query/acme/signup", "X-Api-Key", acme).statusCode(), "revoked");
        assertEquals(200, app.get("/p-query/beta/signup", "X-Api-Key", beta).statusCode(), "beta's key stays");
        assertEquals(200, app.get("/p-query/acme/signup", "X-Api-Key", KEY).statusCode());
    }

    @Test
    void tenantKeysFromAFileReadOnlyTheirTenant() throws Exception {
        Path keys = dir.resolve("tenant-keys");
        Settings settings = Settings.of(Map.of("TENANT_KEYS", keys.toString()));
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "TENANT_KEYS", keys.toString())) {
            assertTenantKeyTable(app, settings);
            String file = Files.readString(keys);
            assertTrue(file.matches("(?s)beta:[0-9a-f]{64}\\s*"), "only the digest is stored: " + file);
        }
    }
}
