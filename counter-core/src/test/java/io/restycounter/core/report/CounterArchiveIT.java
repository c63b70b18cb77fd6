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
    void aNodesHourShareWrittenAgainReplacesItAndLeavesTheOtherNodesShare(String kind) throws Exception {
        String t = "hours" + kind;
        LocalDate day = LocalDate.parse("2026-11-30");
        try (CounterArchive a = archive(kind, "hours")) {
            long[] home = new long[25];
            home[3] = 2;
            home[5] = 1;
            long[] news = new long[25];
            news[1] = 4;
            a.replaceHourShare("n1", t, day, java.util.Map.of("home", home, "news", news));
            long[] other = new long[25];
            other[5] = 10;
            a.replaceHourShare("n2", t, day, java.util.Map.of("home", other));
            long[] again = new long[25];
            again[5] = 3;
            a.replaceHourShare("n1", t, day, java.util.Map.of("home", again)); // home's 03 and news are gone
            long[] expected = new long[25];
            expected[5] = 13;
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected,
                    a.hours(new CounterKey(t, "home"), day, day).get(day));
            assertEquals(null, a.hours(new CounterKey(t, "news"), day, day).get(day), "no hour left");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aPageOfAThousandCountersOverTenDaysReadsEachCountersCountsAndFates(String kind) throws Exception {
        String t = "page" + kind;
        try (CounterArchive a = archive(kind, "page")) {
            LocalDate first = LocalDate.parse("2026-10-27"); // ten days across two months
            List<String> names = new java.util.ArrayList<>();
            for (int c = 0; c < 1000; c++) {
                names.add(String.format("c%04d", c));
            }
            for (int d = 0; d < 10; d++) {
                java.util.Map<String, Long> totals = new java.util.HashMap<>();
                java.util.Map<String, long[]> fates = new java.util.HashMap<>();
                for (int c = d; c < 1000; c += 10) { // each counter on one day of the ten
                    totals.put(names.get(c), (long) c + 1);
                    long[] f = new long[io.restycounter.core.Fate.COUNT];
                    f[io.restycounter.core.Fate.BOT.ordinal()] = c + 2;
                    fates.put(names.get(c), f);
                }
                a.replaceShare(CounterArchive.UNNAMED_NODE, t, first.plusDays(d), totals);
                a.replaceFates(CounterArchive.UNNAMED_NODE, t, first.plusDays(d), fates);
            }
            List<SortedMap<LocalDate, Long>> counts = a.ranges(t, names, first, first.plusDays(9));
            List<SortedMap<LocalDate, long[]>> fates = a.fatesRanges(t, names, first, first.plusDays(9));
            for (int c = 0; c < 1000; c++) {
                LocalDate day = first.plusDays(c % 10);
                assertEquals(10, counts.get(c).size(), names.get(c));
                assertEquals(c + 1L, counts.get(c).get(day), names.get(c));
                assertEquals(c + 1L, counts.get(c).values().stream().mapToLong(Long::longValue).sum(), names.get(c));
                assertEquals(List.of(day), List.copyOf(fates.get(c).keySet()), names.get(c));
                assertEquals(c + 2L, fates.get(c).get(day)[io.restycounter.core.Fate.BOT.ordinal()], names.get(c));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void replacesADayAndReadsRangesAcrossMonths(String kind) throws Exception {
        String t = "t" + kind;
        try (CounterArchive a = archive(kind, "ranges")) {
            LocalDate oct31 = LocalDate.parse("2026-10-31");
            LocalDate nov1 = LocalDate.parse("2026-11-01");
            a.replaceShare(CounterArchive.UNNAMED_NODE, t, oct31, Map.of("news.a", 3L, "signup", 1L));
            a.replaceShare(CounterArchive.UNNAMED_NODE, t, nov1, Map.of("news.a", 4L, "news.b", 2L));
            a.replaceShare(CounterArchive.UNNAMED_NODE, "other", nov1, Map.of("news.a", 50L));
            SortedMap<LocalDate, Long> r = a.range(new CounterKey(t, "news.a"), oct31.minusDays(1), nov1.plusDays(1));
            assertEquals(List.of(0L, 3L, 4L, 0L), List.copyOf(r.values()));
            assertEquals(oct31.minusDays(1), r.firstKey());

            a.replaceShare(CounterArchive.UNNAMED_NODE, t, oct31, Map.of("news.a", 7L));
            assertEquals(7L, a.range(new CounterKey(t, "news.a"), oct31, oct31).get(oct31));
            assertEquals(0L, a.range(new CounterKey(t, "signup"), oct31, oct31).get(oct31), "replaced, not merged");
            assertEquals(4L, a.range(new CounterKey(t, "news.a"), nov1, nov1).get(nov1), "other days kept");

            List<String> names = List.of("news.b", "news.a", "nothing");
            List<SortedMap<LocalDate, Long>> together = a.ranges(t, names, oct31.minusDays(1), nov1.plusDays(1));
            assertEquals(List.of(0L, 0L, 2L, 0L), List.copyOf(together.get(0).values()));
            assertEquals(List.of(0L, 7L, 4L, 0L), List.copyOf(together.get(1).values()));
            assertEquals(List.of(0L, 0L, 0L, 0L), List.copyOf(together.get(2).values()));
            for (int i = 0; i < names.size(); i++) {
                assertEquals(a.range(new CounterKey(t, names.get(i)), oct31.minusDays(1), nov1.plusDays(1)),
                        together.get(i), names.get(i));
            }

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
            a.replaceShare(CounterArchive.UNNAMED_NODE, "acme", LocalDate.parse("2026-11-09"), Map.of("signup", 12L));
            assertEquals("12", link.call("hget", r -> r.hget("rca:{acme}:202611", "signup:09")));
            long ttl = link.call("ttl", r -> r.ttl("rca:{acme}:202611"));
            assertEquals(-1L, ttl);
        }
    }

    /** Regression: two nodes aggregating one day each replaced the whole day, so the last one won (7, not 12). */
    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aDayIsTheSumOfEveryNodesShareWhateverTheOrder(String kind) throws Exception {
        String t = "s" + kind;
        LocalDate day = LocalDate.parse("2026-11-28");
        CounterKey home = new CounterKey(t, "home");
        try (CounterArchive a = archive(kind, "shares")) {
            a.replaceShare("b", t, day, Map.of("home", 7L));
            a.replaceShare("a", t, day, Map.of("home", 5L, "about", 1L));
            assertEquals(12L, a.range(home, day, day).get(day));
            a.replaceShare("a", t, day, Map.of("home", 5L, "about", 1L));
            a.replaceShare("b", t, day, Map.of("home", 7L));
            assertEquals(12L, a.range(home, day, day).get(day), "writing a share again changes nothing");
            a.replaceShare("a", t, day, Map.of("home", 6L));
            assertEquals(13L, a.range(home, day, day).get(day));
            assertEquals(0L, a.range(new CounterKey(t, "about"), day, day).get(day), "a share is replaced, not merged");
            assertEquals(List.of("home"), List.copyOf(a.byPrefix(t, "", day, day).keySet()));

            assertEquals(java.util.Set.of(), a.sharesDone(day));
            a.markShareDone("a", day);
            a.markShareDone(CounterArchive.UNNAMED_NODE, day);
            assertEquals(java.util.Set.of("a", CounterArchive.UNNAMED_NODE), a.sharesDone(day));
            assertTrue(a.tenants(day).contains(t));
            assertFalse(a.tenants(day.plusDays(1)).contains(t));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aShareOfManyCountersIsWrittenInChunks(String kind) throws Exception {
        String t = "c" + kind;
        LocalDate day = LocalDate.parse("2026-11-27");
        Map<String, Long> big = new java.util.HashMap<>();
        for (int i = 0; i < 2_500; i++) {
            big.put("c" + i, (long) i + 1);
        }
        try (CounterArchive a = archive(kind, "chunks")) {
            a.replaceShare("a", t, day, big);
            a.replaceShare("b", t, day, Map.of("c2499", 10L));
            assertEquals(2_500, a.byPrefix(t, "", day, day).size());
            assertEquals(2_510L, a.range(new CounterKey(t, "c2499"), day, day).get(day));
            a.replaceShare("a", t, day, Map.of("c0", 1L));
            assertEquals(List.of("c0", "c2499"), List.copyOf(a.byPrefix(t, "", day, day).keySet()),
                    "counters a dropped from its share are gone from the day");
            assertEquals(10L, a.range(new CounterKey(t, "c2499"), day, day).get(day));
        }
    }

    /** A day aggregated before shares existed (one node's total, last writer won) is not added to. */
    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aDayAggregatedBeforeSharesIsRecountedFromTheShares(String kind) throws Exception {
        String t = "l" + kind;
        LocalDate day = LocalDate.parse("2026-11-26");
        try (CounterArchive a = archive(kind, "legacy")) {
            if (kind.equals("redis")) {
                try (RedisLink link = RedisLink.connect(CounterConfig.from(Settings.of(java.util.Map.of("REDIS_URL", redis.url()))))) {
                    link.call("legacy", r -> r.hset("rca:{" + t + "}:202611", Map.of("home:26", "7", "home:25", "4")));
                }
            } else {
                java.nio.file.Path month = ((FileCounterArchive) a).monthFile(t, java.time.YearMonth.from(day));
                Files.createDirectories(month.getParent());
                Files.writeString(month, "home:25 4\nhome:26 7\n");
            }
            a.markAggregated(day);
            a.replaceShare("a", t, day, Map.of("home", 5L));
            a.replaceShare("b", t, day, Map.of("home", 7L));
            assertEquals(12L, a.range(new CounterKey(t, "home"), day, day).get(day));
            assertEquals(4L, a.range(new CounterKey(t, "home"), day.minusDays(1), day.minusDays(1)).get(day.minusDays(1)),
                    "other days of the month are kept");
        }
    }
}
