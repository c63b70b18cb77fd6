package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CounterConfigTest {

    @Test
    void defaultsNeedNoConfiguration() {
        CounterConfig c = CounterConfig.from(Settings.of(Map.of()));
        assertNull(c.redisUrl());
        assertEquals(3, c.redisExpireDays());
        assertEquals(Path.of("./data/logs"), c.logDir());
        assertEquals(ZoneId.of("UTC"), c.zone());
        assertEquals(1000, c.maxIncrement());
        assertNull(c.redirectAllowed());
        assertTrue(c.apiKeyGenerated());
        assertEquals(48, c.apiKey().length());
        assertFalse(CounterConfig.from(Settings.of(Map.of())).apiKey().equals(c.apiKey()), "a fresh key each start");
    }

    @Test
    void redisFromHostPortAndAuth() {
        CounterConfig c = CounterConfig.from(Settings.of(Map.of("REDIS_HOST", "10.0.0.5", "REDIS_PORT", "6380",
                "REDIS_AUTH", "p@ss word")));
        assertEquals("redis://:p%40ss%20word@10.0.0.5:6380", c.redisUrl());
        assertFalse(c.toString().contains("p%40ss"), "the password never shows in toString");
    }

    @Test
    void redisUrlWinsOverHost() {
        CounterConfig c = CounterConfig.from(Settings.of(Map.of("REDIS_URL", "rediss://cache:6390", "REDIS_HOST", "x")));
        assertEquals("rediss://cache:6390", c.redisUrl());
    }

    @Test
    void redisModes() {
        assertEquals(CounterConfig.RedisMode.NONE, CounterConfig.from(Settings.of(Map.of())).redisMode());
        assertEquals(CounterConfig.RedisMode.STANDALONE,
                CounterConfig.from(Settings.of(Map.of("REDIS_URL", "rediss://:pw@cache:6390"))).redisMode());
        assertEquals(CounterConfig.RedisMode.CLUSTER,
                CounterConfig.from(Settings.of(Map.of("REDIS_URL", "redis://a:7000, redis://b:7001"))).redisMode());
        assertEquals(CounterConfig.RedisMode.CLUSTER, CounterConfig.from(Settings.of(
                Map.of("REDIS_URL", "rediss://:pw@a:7000", "REDIS_CLUSTER", "true"))).redisMode());
        CounterConfig sentinel = CounterConfig.from(Settings.of(
                Map.of("REDIS_URL", "redis-sentinel://h1:26379,h2:26379/0#mymaster")));
        assertEquals(CounterConfig.RedisMode.SENTINEL, sentinel.redisMode());
        assertEquals("redis-sentinel://h1:26379,h2:26379/0#mymaster", sentinel.redisUrl());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis-sentinel://h1:26379/0|REDIS_URL: expected",
        "redis://a:1,http://b:2|REDIS_URL: expected"})
    void badRedisUrlsAreRefusedWithoutShowingThem(String url, String message) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CounterConfig.from(Settings.of(Map.of("REDIS_URL", url))));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertFalse(e.getMessage().contains("h1"), e.getMessage());
    }

    @Test
    void sentinelIsNoCluster() {
        ConfigException e = assertThrows(ConfigException.class, () -> CounterConfig.from(Settings.of(
                Map.of("REDIS_URL", "redis-sentinel://h1:26379/0#m", "REDIS_CLUSTER", "true"))));
        assertTrue(e.getMessage().startsWith("REDIS_CLUSTER: expected false"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "REDIS_PORT|abc|REDIS_PORT: expected an integer from 1 to 65535",
        "REDIS_PORT|70000|REDIS_PORT: expected an integer from 1 to 65535",
        "REDIS_EXPIRE_DAYS|-1|REDIS_EXPIRE_DAYS: expected an integer",
        "TIMEZONE|Mars/Olympus|TIMEZONE: expected a zone id",
        "MAX_INCREMENT|0|MAX_INCREMENT: expected an integer from 1",
        "REDIRECT_ALLOWED|([a-z|REDIRECT_ALLOWED: expected a regular expression",
        "NODE_ID|a/b|NODE_ID: expected 1 to 64 characters",
        "REDIS_URL|http://x:1|REDIS_URL: expected redis://",
        "API_KEY|short|API_KEY: expected at least 8 characters (value not shown)",
        "FLUSH_INTERVAL_MS|0|FLUSH_INTERVAL_MS: expected an integer from 1"})
    void aBadValueNamesTheSetting(String name, String value, String message) {
        Map<String, String> m = new java.util.HashMap<>(Map.of(name, value));
        if (name.equals("REDIS_PORT")) {
            m.put("REDIS_HOST", "localhost");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> CounterConfig.from(Settings.of(m)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void secretsAreNotEchoed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CounterConfig.from(Settings.of(Map.of("API_KEY", "hunter2"))));
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void systemPropertiesOverrideTheEnvironment() {
        System.setProperty("counter.MAX_INCREMENT", "77");
        try {
            assertEquals(77, CounterConfig.from(Settings.fromEnvironment()).maxIncrement());
        } finally {
            System.clearProperty("counter.MAX_INCREMENT");
        }
    }
}
