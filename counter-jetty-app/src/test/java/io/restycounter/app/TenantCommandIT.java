package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tenant command end to end: the built jar through bin/counter, beside a running server that sees each change. */
class TenantCommandIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path work;

    private record Run(int code, String output) {
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        try (AppProcess p = AppProcess.start(work, env, args)) {
            assertTrue(p.process().waitFor(60, TimeUnit.SECONDS), p.output());
            // The reader thread may still be taking the last lines.
            Thread.sleep(100);
            return new Run(p.process().exitValue(), p.output());
        }
    }

    private Map<String, String> fileEnv() {
        return Map.of("TENANTS", work.resolve("tenants.toml").toString());
    }

    @Test
    void everyActionOnTheFileWithClearErrorsAndNoSecretShown() throws Exception {
        Map<String, String> env = fileEnv();
        assertEquals(0, run(env, "tenant", "add", "acme").code());
        assertEquals(0, run(env, "tenant", "add", "beta").code());
        assertEquals(0, run(env, "tenant", "set", "acme", "max-counters", "50000").code());
        assertEquals(0, run(env, "tenant", "set", "acme", "counters", "home,blog-*").code());
        assertEquals(0, run(env, "tenant", "set", "acme", "signing-secret", "s3cret-s3cret-s3cret").code());
        assertEquals(0, run(env, "tenant", "set", "acme", "time-zone", "Asia/Kathmandu").code());

        Run show = run(env, "tenant", "show", "acme");
        assertEquals(0, show.code(), show.output());
        assertTrue(show.output().contains("max-new-counters-per-day = 50000"), show.output());
        assertTrue(show.output().contains("counters = [home, blog-*]"), show.output());
        assertTrue(show.output().contains("signing-secret = (set)"), show.output());
        assertTrue(show.output().contains("max-hits-per-second = (default: off)"), show.output());
        assertFalse(show.output().contains("s3cret"), show.output());

        Run created = run(env, "tenant", "key", "create", "acme");
        assertEquals(0, created.code(), created.output());
        String key = created.output().lines().filter(l -> l.matches("[0-9a-f]{64}")).findFirst().orElseThrow();
        String file = Files.readString(work.resolve("tenants.toml"));
        assertFalse(file.contains(key), "only the digest is kept");
        assertTrue(file.contains(io.restycounter.core.TenantKeys.sha256Hex(key)));

        Run list = run(env, "tenant", "list");
        assertEquals(0, list.code());
        assertTrue(list.output().contains("acme  keys=1 key"), list.output());
        assertTrue(list.output().lines().anyMatch(l -> l.equals("beta  keys=0 keys")), list.output());
        assertFalse(list.output().contains("s3cret"), list.output());

        // One line, naming the argument, and an exit code that says what went wrong.
        assertError(run(env, "tenant", "set", "acme", "privacy", "loose"), 2,
                "tenant set: tenant acme: privacy: expected standard or respect-signals, got \"loose\"");
        assertError(run(env, "tenant", "show", "ACME"), 2, "tenant show: tenant: expected [a-z0-9]{1,32}, got \"ACME\"");
        assertError(run(env, "tenant", "frob"), 2,
                "tenant: action: expected add, set, key, list, show or remove, got \"frob\"");
        assertError(run(env, "tenant", "set", "acme", "privacy"), 2,
                "tenant set: expected 3 arguments after set, got 2 (see tenant --help)");
        assertError(run(env, "tenant", "set", "nobody", "privacy", "standard"), 4,
                "tenant set: tenant: nobody is not registered in TENANTS " + work.resolve("tenants.toml")
                        + " (tenant add nobody first)");
        assertError(run(env, "tenant", "add", "acme"), 4, "tenant add: tenant: acme is already registered in TENANTS "
                + work.resolve("tenants.toml"));
        assertTrue(Files.readString(work.resolve("tenants.toml")).contains("Asia/Kathmandu"), "a refused change changes nothing");

        assertEquals(0, run(env, "tenant", "remove", "beta").code());
        assertError(run(env, "tenant", "remove", "beta"), 4,
                "tenant remove: tenant: beta is not registered in TENANTS " + work.resolve("tenants.toml")
                        + " (tenant add beta first)");
        assertTrue(Files.readString(work.resolve("tenants.toml")).contains("[acme]"), "other tenants stay");
    }

    private static void assertError(Run r, int code, String line) {
        assertEquals(code, r.code(), r.output());
        assertEquals(List.of(line), r.output().lines().toList());
    }

    @Test
    void aRunningServerSeesKeysAndQuotasTheCommandChangesWithoutRestart() throws Exception {
        Map<String, String> env = new HashMap<>(fileEnv());
        assertEquals(0, run(env, "tenant", "add", "acme").code());
        env.putAll(Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "OPEN_TENANTS", "false",
                "LOG_DIR", work.resolve("logs").toString(), "RATE_LIMIT", "0"));
        try (AppProcess server = AppProcess.start(work, env)) {
            int port = server.awaitPort();
            assertEquals(404, get(port, "/p/beta/home", null), "not registered");

            // The deprecated name still works, and says so.
            Run old = run(fileEnv(), "tenant-key", "create", "acme");
            assertEquals(0, old.code(), old.output());
            assertTrue(old.output().contains("tenant-key: deprecated, use: tenant key create acme"), old.output());
            String key = old.output().lines().filter(l -> l.matches("[0-9a-f]{64}")).findFirst().orElseThrow();
            assertEquals(200, get(port, "/p-query/acme/home", key));
            assertEquals(0, run(fileEnv(), "tenant", "key", "revoke", "acme").code());
            assertEquals(403, get(port, "/p-query/acme/home", key), "a revoked key stops at once");

            assertEquals(0, run(fileEnv(), "tenant", "set", "acme", "max-hits-per-second", "1").code());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            boolean refused = false;
            while (!refused && System.nanoTime() < deadline) {
                refused = get(port, "/p/acme/home", null) == 429;
            }
            assertTrue(refused, "the new quota applies without restart");
            String line = server.awaitLine("tenant acme over quota", 10);
            assertTrue(line.contains("max-hits-per-second 1"), line);
        }
    }

    @Test
    void aBadRegistryFileStopsTheServerWithOneLineNamingTheSetting() throws Exception {
        Files.writeString(work.resolve("tenants.toml"), "[acme]\ntime-zone = \"Mars/Olympus\"\n");
        Run r = run(Map.of("HTTP_PORT", "0", "TENANTS", work.resolve("tenants.toml").toString()));
        assertEquals(Main.EXIT_CONFIG, r.code(), r.output());
        assertTrue(r.output().lines().anyMatch(l -> l.equals("resty-counter: cannot start: TENANTS: "
                + work.resolve("tenants.toml") + ": tenant acme: time-zone: expected an IANA time zone such as "
                + "Europe/Paris, got \"Mars/Olympus\"")), r.output());
        assertFalse(r.output().contains("\tat "), "no stack trace: " + r.output());
    }

    /** Issue #19: tenant commands on the embedded default, with no setting at all, reach a running server. */
    @Test
    void onTheEmbeddedDefaultTheCommandKeepsTenantsInDataTenantsToml() throws Exception {
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "RATE_LIMIT", "0");
        try (AppProcess server = AppProcess.start(work, env)) {
            int port = server.awaitPort();
            Run created = run(Map.of(), "tenant", "key", "create", "acme");
            assertEquals(0, created.code(), created.output());
            assertTrue(created.output().contains("(and registered acme in TENANTS ./data/tenants.toml)"), created.output());
            String key = created.output().lines().filter(l -> l.matches("[0-9a-f]{64}")).findFirst().orElseThrow();
            assertTrue(Files.readString(work.resolve("data/tenants.toml")).contains("[acme]"));
            assertEquals(200, get(port, "/p-query/acme/home", key), "the running server reads the new key");
            assertEquals(403, get(port, "/p-query/beta/home", key));
        }
    }

    @Test
    void theCommandWorksOnRedis() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            Map<String, String> env = Map.of("REDIS_URL", redis.url());
            assertEquals(0, run(env, "tenant", "add", "acme").code());
            assertEquals(0, run(env, "tenant", "set", "acme", "uniques-period", "week").code());
            Run created = run(env, "tenant", "key", "create", "acme");
            String key = created.output().lines().filter(l -> l.matches("[0-9a-f]{64}")).findFirst().orElseThrow();
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertEquals(Set.of("acme"), c.sync().smembers("rct:tenants"));
                assertEquals(Map.of("uniques-period", "week"), c.sync().hgetall("rct:{acme}"));
                assertEquals(Set.of(io.restycounter.core.TenantKeys.sha256Hex(key)), c.sync().smembers("rck:{acme}"));
                assertEquals("3", c.sync().get("rct:version"));
                assertError(run(Map.of("REDIS_URL", redis.url(), "TENANTS", "x.toml"), "tenant", "list"), 2,
                        "tenant: TENANTS: expected unset with REDIS_URL or REDIS_HOST (the tenant registry then lives "
                                + "in Redis), got x.toml");
                assertEquals(0, run(env, "tenant", "remove", "acme").code());
                assertEquals(List.of(), c.sync().keys("*acme*"));
            } finally {
                client.shutdown();
            }
        }
    }

    private static int get(int port, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
