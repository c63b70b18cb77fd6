package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.redis.RedisTenantSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A tenant's {@code uniques-period} in the registry (file or Redis) decides how a range's uniques add up:
 * one visitor on three days of one week is 1 for a {@code week} tenant and 3 for a {@code day} tenant,
 * while UNIQUES_PERIOD (the default for every other tenant) says {@code day}.
 */
class TenantUniquesPeriodIT {

    /** Monday 2026-11-30. */
    private static final LocalDate MON = LocalDate.of(2026, 11, 30);

    private static RedisServer redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void aWeekTenantCountsAVisitorOnThreeDaysOnceADayTenantThrice(String store) throws Exception {
        CounterConfig.Builder b = CounterConfig.builder().logDir(dir).apiKey("test-api-key")
                .uniquesPeriod(UniquesPeriod.DAY).flushInterval(java.time.Duration.ofMillis(60_000));
        if (store.equals("redis")) {
            b.redisUrl(redis.url()).nodeId("n1");
            try (RedisLink link = RedisLink.connect(b.build())) {
                RedisTenantSource tenants = new RedisTenantSource(link);
                tenants.update("weekly", true, t -> t.with("uniques-period", "week"));
                tenants.update("daily", true, t -> t.with("uniques-period", "day"));
            }
        } else {
            Path file = dir.resolve("tenants.toml");
            Files.writeString(file, "[weekly]\nuniques-period = \"week\"\n[daily]\nuniques-period = \"day\"\n");
            b.tenantsFile(file);
        }
        MutableClock clock = new MutableClock(MON.atTime(9, 0).toInstant(ZoneOffset.UTC));
        Map<String, Long> expected = Map.of("weekly", 1L, "daily", 3L, "other", 3L);
        try (CounterEngine engine = CounterEngine.start(b.build(), clock)) {
            for (int d = 0; d < 3; d++) {
                clock.set(MON.plusDays(d).atTime(9, 0).toInstant(ZoneOffset.UTC));
                for (String tenant : expected.keySet()) {
                    assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(),
                            new CounterKey(tenant, "home"), 1, 200, "GET", "/p/" + tenant + "/home", "203.0.113.7",
                            null, null, null, null, "Browser/1")));
                }
                engine.flush();
            }
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                UniqueVisitors u = engine.uniques(new CounterKey(e.getKey(), "home"), MON, MON.plusDays(2));
                assertEquals(e.getValue(), u.total(), store + ": " + e.getKey() + "'s uniques of three days");
                assertEquals(1L, u.days().get(MON.plusDays(1)), store + ": " + e.getKey() + " on one day");
            }
        }
    }
}
