package io.restycounter.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.YearMonth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18, item 3: all-time totals kept by the archive, on disk and in a real redis-server. Each test
 * keeps its own truth, the sum of every day it archived, and compares.
 */
class AllTimeTotalsIT {

    static RedisServer redis;
    static Path dir;
    static final YearMonth NOW = YearMonth.parse("2026-11");

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.launch();
        dir = Files.createTempDirectory("all-time-it");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static CounterArchive archive(String kind, String test) {
        return kind.equals("file") ? new FileCounterArchive(dir.resolve(test))
                : new RedisCounterArchive(RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redis.url())))), true);
    }

    /** The truth: day to counter to count, as archived. */
    private static final class Truth {
        final Map<LocalDate, Map<String, Long>> days = new TreeMap<>();

        void write(CounterArchive a, String tenant, LocalDate day, Map<String, Long> counts) throws Exception {
            a.replaceShare(CounterArchive.UNNAMED_NODE, tenant, day, counts);
            a.markShareDone(CounterArchive.UNNAMED_NODE, day);
            a.markAggregated(day);
            days.put(day, new HashMap<>(counts));
        }

        long total(String counter) {
            return days.values().stream().mapToLong(m -> m.getOrDefault(counter, 0L)).sum();
        }
    }

    private static int build(CounterArchive a, String tenant) throws Exception {
        int steps = 1;
        while (!a.buildAllTime(tenant, NOW)) {
            steps++;
            assertTrue(steps < 1000, "the build ends");
        }
        return steps;
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void sharesKeepTheTotalAndAggregatingADayAgainAdjustsByTheDifference(String kind) throws Exception {
        String t = "keep" + kind;
        try (CounterArchive a = archive(kind, "keep")) {
            Truth truth = new Truth();
            assertEquals(-1, a.allTime(new CounterKey(t, "signup")), "not kept before the first build");
            build(a, t);
            assertEquals(0, a.allTime(new CounterKey(t, "signup")));
            truth.write(a, t, LocalDate.parse("2026-09-30"), Map.of("signup", 3L, "news", 1L));
            truth.write(a, t, LocalDate.parse("2026-11-02"), Map.of("signup", 5L));
            assertEquals(8, a.allTime(new CounterKey(t, "signup")));
            truth.write(a, t, LocalDate.parse("2026-11-02"), Map.of("signup", 5L));
            assertEquals(8, a.allTime(new CounterKey(t, "signup")), "the same share again changes nothing");
            truth.write(a, t, LocalDate.parse("2026-09-30"), Map.of("signup", 1L));
            assertEquals(6, a.allTime(new CounterKey(t, "signup")), "a changed day moves the total by the difference");
            assertEquals(0, a.allTime(new CounterKey(t, "news")), "a counter gone from the day leaves the total");
            assertEquals(truth.total("signup"), a.allTime(new CounterKey(t, "signup")));
            // A second node's share adds to the day, and to the total.
            a.replaceShare("n2", t, LocalDate.parse("2026-11-02"), Map.of("signup", 4L));
            assertEquals(10, a.allTime(new CounterKey(t, "signup")));
            build(a, "nobody");
            assertEquals(0, a.allTime(new CounterKey("nobody", "signup")), "a tenant without an archive: 0 once built");
        }
    }

    /**
     * An archive from before the totals existed: the build adds it once, in bounded steps, while shares
     * keep arriving for months and counters before, at and after where the build stands; every count is
     * in the total exactly once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void theFirstBuildAddsTheOldArchiveOnceWhileSharesArrive(String kind) throws Exception {
        String t = "old" + kind;
        try (CounterArchive a = archive(kind, "old")) {
            Truth truth = new Truth();
            Random random = new Random(18);
            List<LocalDate> days = List.of(LocalDate.parse("2026-08-31"), LocalDate.parse("2026-09-01"),
                    LocalDate.parse("2026-09-15"), LocalDate.parse("2026-10-31"), LocalDate.parse("2026-11-01"));
            for (LocalDate day : days) {
                Map<String, Long> counts = new HashMap<>();
                for (int i = 0; i < 450; i++) {
                    counts.put(String.format("c%03d", i), 1L + random.nextInt(9));
                }
                truth.write(a, t, day, counts);
            }
            assertEquals(-1, a.allTime(new CounterKey(t, "c000")));
            int steps = 0;
            boolean done = false;
            while (!done) {
                done = a.buildAllTime(t, NOW);
                steps++;
                if (steps % 2 == 0) {
                    // Shares for every day meanwhile, changing counters on both sides of the build's cursor.
                    for (LocalDate day : days) {
                        Map<String, Long> counts = new HashMap<>(truth.days.get(day));
                        counts.put(String.format("c%03d", random.nextInt(450)), 100L + random.nextInt(100));
                        counts.put(String.format("c%03d", random.nextInt(450)), 0L);
                        counts.values().removeIf(v -> v == 0);
                        truth.write(a, t, day, counts);
                    }
                }
                assertTrue(steps < 1000);
            }
            if (kind.equals("redis")) {
                assertTrue(steps > 5, "bounded steps: 450 counters in 200s over 4 months, " + steps);
            }
            for (int i = 0; i < 450; i++) {
                String c = String.format("c%03d", i);
                assertEquals(truth.total(c), a.allTime(new CounterKey(t, c)), c);
            }
            truth.write(a, t, days.get(0), Map.of("c000", 1000L));
            assertEquals(truth.total("c000"), a.allTime(new CounterKey(t, "c000")), "kept after the build");
        }
    }

    /** In a Redis Cluster every key a script touches carries the tenant's hash tag: the same slot. */
    @Test
    void aClusterKeepsTheTotalsOfTenantsInEverySlot() throws Exception {
        try (io.restycounter.core.RedisCluster cluster = io.restycounter.core.RedisCluster.launch();
                CounterArchive a = new RedisCounterArchive(RedisLink.connect(CounterConfig.from(
                        Settings.of(Map.of("REDIS_URL", cluster.url())))), true)) {
            Truth truth = new Truth();
            for (String t : List.of("acme", "beta", "gamma", "delta")) {
                truth.days.clear();
                truth.write(a, t, LocalDate.parse("2026-10-01"), Map.of("signup", 2L));
                build(a, t);
                truth.write(a, t, LocalDate.parse("2026-11-01"), Map.of("signup", 3L));
                truth.write(a, t, LocalDate.parse("2026-10-01"), Map.of("signup", 1L));
                assertEquals(4, a.allTime(new CounterKey(t, "signup")), t);
            }
        }
    }

    /** The total is kept, not summed at query time: a month rewritten behind the archive's back does not change it. */
    @Test
    void theTotalIsReadNotSummedFromTheMonths() throws Exception {
        try (FileCounterArchive a = new FileCounterArchive(dir.resolve("read"))) {
            build(a, "acme");
            a.replaceShare(CounterArchive.UNNAMED_NODE, "acme", LocalDate.parse("2026-10-05"), Map.of("signup", 7L));
            Files.writeString(a.monthFile("acme", YearMonth.parse("2026-10")), "signup:05 1000\n");
            assertEquals(7, a.allTime(new CounterKey("acme", "signup")));
        }
    }
}
