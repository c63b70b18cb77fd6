package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.guard.PixelSigning;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The typed builder and the environment layer on top of it give the same configurations and the same refusals. */
class CounterConfigBuilderTest {

    private static final String SECRET = "0123456789abcdef0123";

    @TempDir
    Path dir;

    @Test
    void defaultsAreTheEnvironmentDefaults() {
        CounterConfig typed = CounterConfig.builder().build();
        CounterConfig env = CounterConfig.from(Settings.of(Map.of()));
        assertSame(env, typed, false);
        assertTrue(typed.apiKeyGenerated());
        assertEquals(48, typed.apiKey().length());
        assertNotEquals(env.apiKey(), typed.apiKey(), "a fresh key each build");
    }

    /** Both share the builder's defaults, so these pin them to the README's Configuration table. */
    @Test
    void defaultsAreTheDocumentedOnes() {
        CounterConfig c = CounterConfig.builder().build();
        assertNull(c.redisUrl());
        assertEquals(CounterConfig.RedisMode.NONE, c.redisMode());
        assertNull(c.redisTlsCa());
        assertEquals(3, c.redisExpireDays());
        assertEquals(Duration.ofMillis(100), c.flushInterval());
        assertEquals(1_000_000, c.maxPendingCounters());
        assertEquals(Path.of("./data/logs"), c.logDir());
        assertEquals(65536, c.logQueueCapacity());
        assertEquals(ZoneId.of("UTC"), c.zone());
        assertNull(c.nodeId());
        assertEquals(1000, c.maxIncrement());
        assertNull(c.redirectAllowed());
        assertEquals(10, c.rateLimit());
        assertEquals(10, c.rateBurst());
        assertEquals(100_000, c.rateLimitClients());
        assertEquals("ClientAddressResolver[]", c.clientAddresses().toString());
        assertFalse(c.pixelSigning().requires("acme"));
        assertNull(c.geoIp().db());
        assertNull(c.geoIp().dir());
        assertEquals(List.of("GeoLite2-City"), c.geoIp().editions());
        assertEquals(URI.create("https://updates.maxmind.com"), c.geoIp().updateUrl());
        assertFalse(c.geoIp().updatesEnabled());
        assertFalse(c.countBots());
        assertEquals(10_000, c.botCacheSize());
        assertEquals(Path.of("./data/archive"), c.archiveDir());
        assertEquals(366, c.maxRangeDays());
        assertNull(c.tenantKeysFile());
        assertEquals(List.of(), c.corsOrigins());
        assertEquals(UniquesPeriod.DAY, c.uniquesPeriod());
        assertEquals(UniquesPeriod.DAY, c.uniquesPeriods().apply("acme"));
        assertEquals(Path.of("./data/logs/uniques"), c.uniquesDir());
        assertEquals(1_000_000, c.maxPendingVisitors());
        assertFalse(c.privateHits().test(new Hit(0, new CounterKey("acme", "c"), 1, 200, "GET", "/", null, null, null,
                null, null, null)));
    }

    @Test
    void theUniquesPeriodSeamGivesEachTenantItsOwnAndDefaultsToTheSetting() {
        CounterConfig c = CounterConfig.from(Settings.of(Map.of("UNIQUES_PERIOD", "week")));
        assertEquals(UniquesPeriod.WEEK, c.uniquesPeriods().apply("anyone"));
        CounterConfig registry = CounterConfig.builder().uniquesPeriod(UniquesPeriod.WEEK)
                .uniquesPeriods(t -> t.equals("acme") ? UniquesPeriod.MONTH : UniquesPeriod.WEEK).build();
        assertEquals(UniquesPeriod.MONTH, registry.uniquesPeriods().apply("acme"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> CounterConfig.from(Settings.of(Map.of("UNIQUES_PERIOD", "year"))));
        assertEquals("UNIQUES_PERIOD: expected day, week or month, got \"year\"", e.getMessage());
    }

    @Test
    void everyTypedValueGivesWhatItsEnvironmentVariableGives() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path signingFile = Files.writeString(dir.resolve("keys"), "# tenants\nacme:" + SECRET + "\n\nbeta:" + SECRET + "x\n");
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_HOST", "10.0.0.5");
        env.put("REDIS_PORT", "6380");
        env.put("REDIS_AUTH", "p@ss word");
        env.put("REDIS_TLS_CA", ca.toString());
        env.put("REDIS_EXPIRE_DAYS", "10000");
        env.put("FLUSH_INTERVAL_MS", "250");
        env.put("MAX_PENDING_COUNTERS", "5000");
        env.put("API_KEY", "an-api-key-123");
        env.put("LOG_DIR", dir.resolve("logs").toString());
        env.put("LOG_QUEUE_CAPACITY", "1024");
        env.put("TIMEZONE", "Europe/Berlin");
        env.put("NODE_ID", "node-7");
        env.put("MAX_INCREMENT", "50");
        env.put("REDIRECT_ALLOWED", "(www\\.)?example\\.com");
        env.put("RATE_LIMIT", "0");
        env.put("RATE_LIMIT_CLIENTS", "77");
        env.put("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8");
        env.put("SIGNING_KEYS", "@" + signingFile);
        env.put("GEOIP_DB", dir.resolve("City.mmdb").toString());
        env.put("GEOIP_EDITIONS", "GeoLite2-City,GeoLite2-Country");
        env.put("GEOIP_UPDATE_URL", "http://127.0.0.1:9/");
        env.put("MAXMIND_ACCOUNT_ID", "12345");
        env.put("MAXMIND_LICENSE_KEY", "license-key");
        env.put("COUNT_BOTS", "yes");
        env.put("BOT_CACHE_SIZE", "0");
        env.put("ARCHIVE_DIR", dir.resolve("archive").toString());
        env.put("MAX_RANGE_DAYS", "31");
        env.put("TENANT_KEYS", dir.resolve("tenants").toString());
        env.put("CORS_ORIGINS", "https://app.example.com, http://localhost:3000");
        env.put("UNIQUES_PERIOD", "month");
        env.put("UNIQUES_DIR", dir.resolve("uniques").toString());
        env.put("MAX_PENDING_VISITORS", "4096");

        CounterConfig typed = CounterConfig.builder()
                .redisHost("10.0.0.5").redisPort(6380).redisPassword("p@ss word").redisTlsCa(ca)
                .redisExpireDays(10000)
                .flushInterval(Duration.ofMillis(250))
                .maxPendingCounters(5000)
                .apiKey("an-api-key-123")
                .logDir(dir.resolve("logs"))
                .logQueueCapacity(1024)
                .timeZone(ZoneId.of("Europe/Berlin"))
                .nodeId("node-7")
                .maxIncrement(50)
                .redirectAllowed(Pattern.compile("(www\\.)?example\\.com"))
                .rateLimit(0)
                .rateLimitClients(77)
                .trustedProxies(List.of("10.0.0.0/8", "fd00::/8"))
                .signingKeys(Map.of("acme", SECRET, "beta", SECRET + "x"))
                .geoIpDb(dir.resolve("City.mmdb"))
                .geoIpEditions(List.of("GeoLite2-City", "GeoLite2-Country"))
                .geoIpUpdateUrl(URI.create("http://127.0.0.1:9/"))
                .maxMindAccountId("12345").maxMindLicenseKey("license-key")
                .countBots(true)
                .botCacheSize(0)
                .archiveDir(dir.resolve("archive"))
                .maxRangeDays(31)
                .tenantKeysFile(dir.resolve("tenants"))
                .corsOrigins(List.of("https://app.example.com", "http://localhost:3000"))
                .uniquesPeriod(UniquesPeriod.MONTH)
                .uniquesDir(dir.resolve("uniques"))
                .maxPendingVisitors(4096)
                .build();
        CounterConfig fromEnv = CounterConfig.from(Settings.of(env));
        assertSame(fromEnv, typed, true);
        assertEquals("redis://:p%40ss%20word@10.0.0.5:6380", typed.redisUrl());
        assertEquals(1, typed.rateBurst(), "the burst follows the rate limit, at least 1");
        assertEquals(Path.of("./data/geoip"), typed.geoIp().dir(), "updates on: GEOIP_DIR defaults");
        assertTrue(typed.pixelSigning().requires("beta"));
        assertTrue(typed.redirectAllowed().matcher("WWW.Example.COM").matches(), "case-insensitive, as documented");
    }

    @Test
    void redisUrlsAndModesMatchTheEnvironment() {
        String sentinel = "redis-sentinel://h1:26379,h2:26379/0#mymaster";
        assertSame(CounterConfig.from(Settings.of(Map.of("REDIS_URL", sentinel, "RATE_BURST", "40"))),
                CounterConfig.builder().redisUrl(sentinel).rateBurst(40).build(), false);
        CounterConfig cluster = CounterConfig.builder().redisUrl("rediss://:pw@a:7000").redisCluster(true).build();
        assertSame(CounterConfig.from(Settings.of(Map.of("REDIS_URL", "rediss://:pw@a:7000", "REDIS_CLUSTER", "true"))),
                cluster, false);
        assertEquals(CounterConfig.RedisMode.CLUSTER, cluster.redisMode());
        assertEquals(CounterConfig.RedisMode.CLUSTER,
                CounterConfig.builder().redisUrl("redis://a:7000,redis://b:7001").build().redisMode());
        assertEquals(CounterConfig.RedisMode.STANDALONE,
                CounterConfig.builder().redisUrl("redis://a:7000").redisHost("ignored").build().redisMode());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("REDIS_PORT: expected an integer from 1 to 65535, got \"70000\"",
                        Map.of("REDIS_HOST", "localhost", "REDIS_PORT", "70000"), b -> b.redisHost("localhost").redisPort(70000)),
                bad("REDIS_HOST: expected a host name or IP address, got \"bad host\"",
                        Map.of("REDIS_HOST", "bad host"), b -> b.redisHost("bad host")),
                bad("REDIS_EXPIRE_DAYS: expected an integer from 0 to 2147483647, got \"-1\"",
                        Map.of("REDIS_EXPIRE_DAYS", "-1"), b -> b.redisExpireDays(-1)),
                bad("REDIS_TLS_CA: expected a readable PEM file of CA certificates, got \"/no/such/ca.pem\"",
                        Map.of("REDIS_TLS_CA", "/no/such/ca.pem"), b -> b.redisTlsCa(Path.of("/no/such/ca.pem"))),
                bad("MAX_INCREMENT: expected an integer from 1 to 2147483647, got \"0\"",
                        Map.of("MAX_INCREMENT", "0"), b -> b.maxIncrement(0)),
                bad("NODE_ID: expected 1 to 64 characters of [A-Za-z0-9_.-], got \"a/b\"",
                        Map.of("NODE_ID", "a/b"), b -> b.nodeId("a/b")),
                bad("REDIS_URL: expected redis://host:port or rediss://host:port (comma-separated for a cluster), "
                        + "or redis-sentinel://host:port[,host:port]/db#master (value not shown)",
                        Map.of("REDIS_URL", "http://x:1"), b -> b.redisUrl("http://x:1")),
                bad("REDIS_URL: expected redis://", Map.of("REDIS_URL", "redis-sentinel://h1:26379/0"),
                        b -> b.redisUrl("redis-sentinel://h1:26379/0")),
                bad("REDIS_URL: expected redis://", Map.of("REDIS_URL", "redis://a:1,http://b:2"),
                        b -> b.redisUrl("redis://a:1,http://b:2")),
                bad("REDIS_CLUSTER: expected false with a redis-sentinel:// REDIS_URL, got true",
                        Map.of("REDIS_URL", "redis-sentinel://h1:26379/0#m", "REDIS_CLUSTER", "true"),
                        b -> b.redisUrl("redis-sentinel://h1:26379/0#m").redisCluster(true)),
                bad("API_KEY: expected at least 8 characters (value not shown)",
                        Map.of("API_KEY", "short"), b -> b.apiKey("short")),
                bad("FLUSH_INTERVAL_MS: expected an integer from 1 to 60000, got \"0\"",
                        Map.of("FLUSH_INTERVAL_MS", "0"), b -> b.flushInterval(Duration.ZERO)),
                bad("FLUSH_INTERVAL_MS: expected an integer from 1 to 60000, got \"60001\"",
                        Map.of("FLUSH_INTERVAL_MS", "60001"), b -> b.flushInterval(Duration.ofMillis(60_001))),
                bad("MAX_PENDING_COUNTERS: expected an integer from 1 to 2147483647, got \"0\"",
                        Map.of("MAX_PENDING_COUNTERS", "0"), b -> b.maxPendingCounters(0)),
                bad("LOG_QUEUE_CAPACITY: expected an integer from 1 to 16777216, got \"16777217\"",
                        Map.of("LOG_QUEUE_CAPACITY", "16777217"), b -> b.logQueueCapacity(16_777_217)),
                bad("RATE_LIMIT: expected an integer from 0 to 1000000, got \"1000001\"",
                        Map.of("RATE_LIMIT", "1000001"), b -> b.rateLimit(1_000_001)),
                bad("RATE_BURST: expected an integer from 1 to 1000000, got \"0\"",
                        Map.of("RATE_BURST", "0"), b -> b.rateBurst(0)),
                bad("RATE_LIMIT_CLIENTS: expected an integer from 1 to 100000000, got \"0\"",
                        Map.of("RATE_LIMIT_CLIENTS", "0"), b -> b.rateLimitClients(0)),
                bad("BOT_CACHE_SIZE: expected an integer from 0 to 10000000, got \"-1\"",
                        Map.of("BOT_CACHE_SIZE", "-1"), b -> b.botCacheSize(-1)),
                bad("MAX_RANGE_DAYS: expected an integer from 1 to 3660, got \"3661\"",
                        Map.of("MAX_RANGE_DAYS", "3661"), b -> b.maxRangeDays(3661)),
                bad("TRUSTED_PROXIES: expected comma-separated CIDRs such as 10.0.0.0/8 or 2001:db8::/32, got \"10.0.0.0/33\"",
                        Map.of("TRUSTED_PROXIES", "fd00::/8, 10.0.0.0/33"), b -> b.trustedProxies(List.of("fd00::/8", "10.0.0.0/33"))),
                bad("SIGNING_KEYS: expected tenant:secret pairs (secrets of at least 16 characters), comma-separated, "
                        + "or @file (value not shown)",
                        Map.of("SIGNING_KEYS", "acme:tooshort"), b -> b.signingKeys(Map.of("acme", "tooshort"))),
                bad("SIGNING_KEYS: expected tenant:secret pairs", Map.of("SIGNING_KEYS", "ACME:" + SECRET),
                        b -> b.signingKeys(Map.of("ACME", SECRET))),
                bad("MAXMIND_LICENSE_KEY: expected a license key, as MAXMIND_ACCOUNT_ID is set",
                        Map.of("MAXMIND_ACCOUNT_ID", "123"), b -> b.maxMindAccountId("123")),
                bad("MAXMIND_ACCOUNT_ID: expected the numeric MaxMind account id (value not shown)",
                        Map.of("MAXMIND_ACCOUNT_ID", "12a", "MAXMIND_LICENSE_KEY", "k"),
                        b -> b.maxMindAccountId("12a").maxMindLicenseKey("k")),
                bad("GEOIP_EDITIONS: expected comma-separated edition ids such as GeoLite2-City,GeoLite2-Country, "
                        + "got \"GeoLite2-City,,x\"",
                        Map.of("GEOIP_EDITIONS", "GeoLite2-City,,x"), b -> b.geoIpEditions(List.of("GeoLite2-City", "", "x"))),
                bad("GEOIP_UPDATE_URL: expected an http(s) URL without user info, such as https://updates.maxmind.com, "
                        + "got \"ftp://updates.example\"",
                        Map.of("GEOIP_UPDATE_URL", "ftp://updates.example"),
                        b -> b.geoIpUpdateUrl(URI.create("ftp://updates.example"))),
                bad("GEOIP_UPDATE_URL: expected an http(s) URL without user info, such as https://updates.maxmind.com "
                        + "(value not shown)",
                        Map.of("GEOIP_UPDATE_URL", "https://me:pw@updates.example"),
                        b -> b.geoIpUpdateUrl(URI.create("https://me:pw@updates.example"))),
                bad("CORS_ORIGINS: expected * or a comma list of origins such as https://app.example.com, "
                        + "got \"https://a.example.com, ftp://b\"",
                        Map.of("CORS_ORIGINS", "https://a.example.com, ftp://b"),
                        b -> b.corsOrigins(List.of("https://a.example.com", " ftp://b"))));
    }

    private static Arguments bad(String message, Map<String, String> env, Consumer<CounterConfig.Builder> typed) {
        return Arguments.of(message, env, typed);
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void aBadValueGetsTheSameMessageTypedAsFromTheEnvironment(String message, Map<String, String> env,
            Consumer<CounterConfig.Builder> typed) {
        ConfigException fromEnv = assertThrows(ConfigException.class, () -> CounterConfig.from(Settings.of(env)));
        CounterConfig.Builder b = CounterConfig.builder();
        typed.accept(b);
        ConfigException fromBuilder = assertThrows(ConfigException.class, b::build);
        assertEquals(fromEnv.getMessage(), fromBuilder.getMessage());
        assertTrue(fromBuilder.getMessage().startsWith(message), fromBuilder.getMessage());
        assertFalse(fromBuilder.getMessage().contains("\n"), "one line");
        if (message.endsWith("(value not shown)")) {
            for (String value : env.values()) {
                assertFalse(fromBuilder.getMessage().contains(value), "a secret is never shown");
            }
        }
    }

    /** Strings no typed value can hold: refused by the environment layer, under the same names as ever. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "REDIS_PORT|abc|REDIS_PORT: expected an integer from 1 to 65535, got \"abc\"",
        "MAX_INCREMENT|3000000000|MAX_INCREMENT: expected an integer from 1 to 2147483647, got \"3000000000\"",
        "TIMEZONE|Mars/Olympus|TIMEZONE: expected a zone id such as UTC or Europe/Berlin, got \"Mars/Olympus\"",
        "REDIRECT_ALLOWED|([a-z|REDIRECT_ALLOWED: expected a regular expression, got \"([a-z\"",
        "COUNT_BOTS|maybe|COUNT_BOTS: expected true or false, got \"maybe\"",
        "SIGNING_KEYS|acme|SIGNING_KEYS: expected tenant:secret pairs",
        "GEOIP_UPDATE_URL|https://a b|GEOIP_UPDATE_URL: expected an http(s) URL without user info"})
    void aStringOfNoTypeIsRefusedByTheEnvironmentLayer(String name, String value, String message) {
        Map<String, String> env = new HashMap<>(Map.of(name, value));
        if (name.equals("REDIS_PORT")) {
            env.put("REDIS_HOST", "localhost");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> CounterConfig.from(Settings.of(env)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void aStrayRedisPortBesideARedisUrlIsStillIgnored() {
        assertEquals("redis://cache:6390", CounterConfig.from(Settings.of(
                Map.of("REDIS_URL", "redis://cache:6390", "REDIS_PORT", "abc"))).redisUrl());
        assertNull(CounterConfig.from(Settings.of(Map.of("REDIS_PORT", "abc"))).redisUrl());
    }

    /** Compares every accessor; the API key only when it was given. */
    private static void assertSame(CounterConfig expected, CounterConfig actual, boolean sameApiKey) {
        assertEquals(expected.redisUrl(), actual.redisUrl());
        assertEquals(expected.redisMode(), actual.redisMode());
        assertEquals(expected.redisTlsCa(), actual.redisTlsCa());
        assertEquals(expected.redisExpireDays(), actual.redisExpireDays());
        assertEquals(expected.flushInterval(), actual.flushInterval());
        assertEquals(expected.maxPendingCounters(), actual.maxPendingCounters());
        assertEquals(expected.apiKeyGenerated(), actual.apiKeyGenerated());
        if (sameApiKey) {
            assertEquals(expected.apiKey(), actual.apiKey());
        }
        assertEquals(expected.logDir(), actual.logDir());
        assertEquals(expected.logQueueCapacity(), actual.logQueueCapacity());
        assertEquals(expected.zone(), actual.zone());
        assertEquals(expected.nodeId(), actual.nodeId());
        assertEquals(expected.maxIncrement(), actual.maxIncrement());
        assertEquals(String.valueOf(expected.redirectAllowed()), String.valueOf(actual.redirectAllowed()));
        if (expected.redirectAllowed() != null) {
            assertEquals(expected.redirectAllowed().flags(), actual.redirectAllowed().flags());
        }
        assertEquals(expected.rateLimit(), actual.rateLimit());
        assertEquals(expected.rateBurst(), actual.rateBurst());
        assertEquals(expected.rateLimitClients(), actual.rateLimitClients());
        assertEquals(expected.clientAddresses().toString(), actual.clientAddresses().toString());
        assertEquals(expected.geoIp().toString(), actual.geoIp().toString());
        assertSameSigning(expected.pixelSigning(), actual.pixelSigning());
        assertEquals(expected.countBots(), actual.countBots());
        assertEquals(expected.botCacheSize(), actual.botCacheSize());
        assertEquals(expected.archiveDir(), actual.archiveDir());
        assertEquals(expected.maxRangeDays(), actual.maxRangeDays());
        assertEquals(expected.tenantKeysFile(), actual.tenantKeysFile());
        assertEquals(expected.uniquesPeriod(), actual.uniquesPeriod());
        assertEquals(expected.uniquesDir(), actual.uniquesDir());
        assertEquals(expected.maxPendingVisitors(), actual.maxPendingVisitors());
        assertEquals(expected.corsOrigins(), actual.corsOrigins());
        LocalDate today = LocalDate.of(2026, 11, 29);
        assertEquals(expected.liveFrom(today), actual.liveFrom(today));
        assertEquals(expected.toString(), actual.toString());
    }

    /** Signing has no equals: both must ask the same tenants and accept the same signatures. */
    private static void assertSameSigning(PixelSigning expected, PixelSigning actual) {
        for (String tenant : List.of("acme", "beta", "other")) {
            assertEquals(expected.requires(tenant), actual.requires(tenant), tenant);
            if (expected.requires(tenant)) {
                for (String secret : List.of(SECRET, SECRET + "x")) {
                    String query = "v=1&sig=" + PixelSigning.sign(secret, tenant, "c", "v=1");
                    CounterKey key = new CounterKey(tenant, "c");
                    assertEquals(expected.refusal(key, query, null, 0), actual.refusal(key, query, null, 0));
                }
            }
        }
    }
}
