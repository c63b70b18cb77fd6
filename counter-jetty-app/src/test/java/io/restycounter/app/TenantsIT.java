package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tenant registry through the real Jetty app: a closed registry (OPEN_TENANTS=false) creates nothing
 * for a tenant it does not have, counter rules, both quotas, and tenants added while the server runs, with
 * the TENANTS file and with Redis.
 */
class TenantsIT {

    private static final String KEY = TestServer.API_KEY;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));

    private TestServer start(Path tenants, String... more) throws Exception {
        List<String> s = new ArrayList<>(List.of("TENANTS", tenants.toString(), "RATE_LIMIT", "0"));
        s.addAll(List.of(more));
        return TestServer.start(dir.resolve("logs"), clock, s.toArray(String[]::new));
    }

    private Path tenantsFile(String toml) throws Exception {
        Path file = dir.resolve("tenants.toml");
        Files.writeString(file, toml);
        return file;
    }

    /** Runs the tenant command the way the CLI does, against {@code settings}; returns its exit code. */
    static int tenant(Settings settings, String... words) {
        return TenantCommand.run(settings, List.of(words), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()));
    }

    /** Sends the pixel until it answers {@code status}, for up to 10 s: the registry reloads every few seconds. */
    private static void awaitPixel(TestServer app, String path, int status) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int last;
        do {
            last = app.get(path).statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(path + " still answers " + last + ", expected " + status);
    }

    private static void assertGif(int status, HttpResponse<byte[]> r) {
        assertEquals(status, r.statusCode());
        assertEquals("image/gif", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(43, r.body().length);
    }

    @Test
    void aClosedRegistryAnswers404ForATenantItDoesNotHaveAndCreatesNothing() throws Exception {
        Path tenants = tenantsFile("[acme]\n");
        try (TestServer app = start(tenants, "OPEN_TENANTS", "false")) {
            assertGif(404, app.get("/p/ghost/home"));
            assertGif(200, app.get("/p/acme/home"));
            assertEquals(404, app.get("/p-query/ghost/home", "X-Api-Key", KEY).statusCode());
            assertEquals("1+0", app.query("acme/home"));
            app.server().engine().flush();
            LocalDate today = LocalDate.parse("2026-11-30");
            String log = Files.readString(TestServer.logFile(dir.resolve("logs"), today));
            assertTrue(log.contains("\"tenant\":\"acme\""), log);
            assertFalse(log.contains("ghost"), "no log line for a refused tenant: " + log);
            assertTrue(app.server().engine().liveCounters("ghost", today).isEmpty());

            // Added while the server runs, by the command's code path: counts without a restart.
            assertEquals(0, tenant(Settings.of(Map.of("TENANTS", tenants.toString())), "add", "ghost"));
            awaitPixel(app, "/p/ghost/home", 200);
            assertEquals("1+0", app.query("ghost/home"));
        }
    }

    @Test
    void anOpenRegistryCountsEveryTenantAsBefore() throws Exception {
        try (TestServer app = start(tenantsFile("[acme]\ncounters = [\"home\"]\n"))) {
            assertGif(200, app.get("/p/anyone/anything"));
            assertEquals("1+0", app.query("anyone/anything"));
        }
    }

    @Test
    void countersOutsideATenantsRulesAre404AndCreateNothing() throws Exception {
        try (TestServer app = start(tenantsFile("[acme]\ncounters = [\"home\", \"blog-*\"]\n"))) {
            assertGif(200, app.get("/p/acme/home"));
            assertGif(200, app.get("/p/acme/blog-2026"));
            assertGif(404, app.get("/p/acme/news"));
            assertGif(404, app.get("/p/acme/homepage"));
            assertEquals("0+0", app.query("acme/news"));
            assertEquals("1+0", app.query("acme/blog-2026"));
            assertFalse(app.server().engine().liveCounters("acme", LocalDate.parse("2026-11-30")).contains("news"));
        }
    }

    @Test
    void newCountersPastTheDailyQuotaAre403UntilTheNextDay() throws Exception {
        try (TestServer app = start(tenantsFile("[small]\nmax-new-counters-per-day = 2\n"),
                "MAX_NEW_COUNTERS_PER_DAY", "1")) {
            assertGif(200, app.get("/p/small/a"));
            assertGif(200, app.get("/p/small/b"));
            assertGif(403, app.get("/p/small/c"));
            assertGif(200, app.get("/p/small/a"), "a counter made today still counts");
            assertEquals("0+0", app.query("small/c"));
            // Tenants the registry does not name get MAX_NEW_COUNTERS_PER_DAY.
            assertGif(200, app.get("/p/other/x"));
            assertGif(403, app.get("/p/other/y"));

            clock.set(Instant.parse("2026-12-01T00:00:01Z"));
            assertGif(200, app.get("/p/small/c"));
            assertEquals("1+0", app.query("small/c"));
        }
    }

    private static void assertGif(int status, HttpResponse<byte[]> r, String why) {
        assertEquals(status, r.statusCode(), why);
    }

    @Test
    void hitsPastATenantsRateAre429WithRetryAfterAndNotCounted() throws Exception {
        try (TestServer app = start(tenantsFile("[busy]\nmax-hits-per-second = 3\n"))) {
            for (int i = 0; i < 3; i++) {
                assertGif(200, app.get("/p/busy/x"));
            }
            HttpResponse<byte[]> over = app.get("/p/busy/x");
            assertGif(429, over);
            assertEquals("1", over.headers().firstValue("Retry-After").orElse(""));
            assertGif(200, app.get("/p/calm/x"), "another tenant is not held back");
            assertEquals("3+0", app.query("busy/x"));
            clock.advanceMillis(1000);
            assertGif(200, app.get("/p/busy/x"));
            assertEquals("4+0", app.query("busy/x"));
        }
    }

    @Test
    void withRedisAClosedRegistryWritesNoKeyForAnUnknownTenantAndTheCommandOpensIt() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                Settings settings = Settings.of(Map.of("REDIS_URL", redis.url()));
                assertEquals(0, tenant(settings, "add", "acme"));
                assertEquals(0, tenant(settings, "set", "acme", "max-counters", "1"));
                try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "REDIS_URL", redis.url(),
                        "OPEN_TENANTS", "false", "RATE_LIMIT", "0")) {
                    assertGif(404, app.get("/p/ghost/home"));
                    assertGif(404, app.get("/p/ghost/home", "Sec-Purpose", "prefetch"));
                    assertGif(404, app.get("/p/ghost/home?v=0"));
                    assertGif(200, app.get("/p/acme/home"));
                    assertGif(403, app.get("/p/acme/other"));
                    app.server().engine().flush();
                    assertEquals(List.of(), c.sync().keys("*ghost*"));
                    assertEquals(Map.of("home", "1"), c.sync().hgetall("rc:{acme}:20261130"));

                    assertEquals(0, tenant(settings, "add", "ghost"));
                    awaitPixel(app, "/p/ghost/home", 200);
                    app.server().engine().flush();
                    assertEquals(Map.of("home", "1"), c.sync().hgetall("rc:{ghost}:20261130"));
                }
            } finally {
                client.shutdown();
            }
        }
    }
}
