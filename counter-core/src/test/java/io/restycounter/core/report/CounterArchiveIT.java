package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both archives, the same contract: the file one on disk, the Redis one in a real redis-server. */
class CounterArchiveIT {

    static RedisServer redis;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.launch();
        dir = Files.createTempDirectory("archive-it");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static CounterArchive archive(String kind, String test) {
        return kind.equals("file") ? new FileCounterArchive(dir.resolve(test))
                : new RedisCounterArchive(RedisLink.connect(CounterConfig.from(Settings.of(java.util.Map.of("REDIS_URL", redis.url())))), true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void replacesADayAndReadsRangesAcrossMonths(String kind) throws Exception {
        String t = "t" + kind;
        try (CounterArchive a = archive(kind, "ranges")) {
            LocalDate oct31 = LocalDate.parse("2026-10-31");
            LocalDate nov1 = LocalDate.parse("2026-11-01");
            a.replaceDay(t, oct31, Map.of("news.a", 3L, "signup", 1L));
            a.replaceDay(t, nov1, Map.of("news.a", 4L, "news.b", 2L));
            a.replaceDay("other", nov1, Map.of("news.a", 50L));
            SortedMap<LocalDate, Long> r = a.range(new CounterKey(t, "news.a"), oct31.minusDays(1), nov1.plusDays(1));
            assertEquals(List.of(0L, 3L, 4L, 0L), List.copyOf(r.values()));
            assertEquals(oct31.minusDays(1), r.firstKey());

            a.replaceDay(t, oct31, Map.of("news.a", 7L));
            assertEquals(7L, a.range(new CounterKey(t, "news.a"), oct31, oct31).get(oct31));
            assertEquals(0L, a.range(new CounterKey(t, "signup"), oct31, oct31).get(oct31), "replaced, not merged");
            assertEquals(4L, a.range(new CounterKey(t, "news.a"), nov1, nov1).get(nov1), "other days kept");

            SortedMap<String, SortedMap<LocalDate, Long>> news = a.byPrefix(t, "news", oct31, nov1);
            assertEquals(List.of("news.a", "news.b"), List.copyOf(news.keySet()));
            assertEquals(2L, news.get("news.b").get(nov1));
            assertEquals(0L, news.get("news.b").get(oct31));
            assertEquals(List.of("news.a"), List.copyOf(a.byPrefix(t, "", oct31, oct31).keySet()));

            assertFalse(a.isAggregated(nov1));
            a.markAggregated(oct31);
            a.markAggregated(nov1);
            assertTrue(a.isAggregated(nov1));
            assertTrue(a.allAggregated(oct31, nov1));
            assertFalse(a.allAggregated(oct31, nov1.plusDays(1)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis"})
    void redisKeepsAHashPerTenantAndMonthWithoutExpiry(String kind) throws Exception {
        try (CounterArchive a = archive(kind, "keys");
                RedisLink link = RedisLink.connect(CounterConfig.from(Settings.of(java.util.Map.of("REDIS_URL", redis.url()))))) {
            a.replaceDay("acme", LocalDate.parse("2026-11-09"), Map.of("signup", 12L));
            assertEquals("12", link.call("hget", r -> r.hget("rca:{acme}:202611", "signup:09")));
            long ttl = link.call("ttl", r -> r.ttl("rca:{acme}:202611"));
            assertEquals(-1L, ttl);
        }
    }
}
