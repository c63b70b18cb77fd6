package io.restycounter.core.report;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code sort=total} ranks by, {@link CounterArchive#totals}: the sum of the days a range holds,
 * whatever the shares, their rewrites, the imports and the range. The Redis archive reads a range that
 * holds most of a month as the counters' month totals less the days outside it.
 */
class ArchiveTotalsIT {

    static RedisServer redis;
    static RedisClient client;
    static StatefulRedisConnection<String, String> admin;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.launch();
        client = RedisClient.create(redis.url());
        admin = client.connect();
        dir = Files.createTempDirectory("archive-totals-it");
    }

    @AfterAll
    static void stop() {
        admin.close();
        client.shutdown();
        redis.close();
    }

    private static CounterArchive archive(String kind) {
        return kind.equals("file") ? new FileCounterArchive(dir.resolve("totals"))
                : new RedisCounterArchive(RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redis.url())))), true);
    }

    private static long[] sums(List<SortedMap<LocalDate, Long>> ranges) {
        long[] out = new long[ranges.size()];
        for (int i = 0; i < out.length; i++) {
            for (long v : ranges.get(i).values()) {
                out[i] += v;
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void totalsAreTheSumOfTheDaysWhateverTheSharesImportsAndRange(String kind) throws Exception {
        String t = "sum" + kind;
        Random random = new Random(16);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            names.add(String.format("c%03d", c));
        }
        try (CounterArchive a = archive(kind)) {
            LocalDate first = LocalDate.parse("2026-10-20");
            for (int round = 0; round < 3; round++) { // each node's share written again: replaced, not added
                for (LocalDate d = first; d.isBefore(LocalDate.parse("2026-12-05")); d = d.plusDays(1)) {
                    for (String node : List.of("n1", "n2")) {
                        Map<String, Long> share = new HashMap<>();
                        for (String name : names) {
                            if (random.nextInt(3) > 0) {
                                share.put(name, (long) random.nextInt(50) + 1);
                            }
                        }
                        a.replaceShare(node, t, d, share);
                    }
                }
            }
            a.replaceImported(t, LocalDate.parse("2026-11-03"), Map.of("c001", 1000L, "c002", 7L));
            a.replaceShare("n2", t, LocalDate.parse("2026-11-10"), Map.of()); // a node that no longer counts that day
            List<String> asked = new ArrayList<>(names);
            asked.add("never");
            asked.add("c001"); // a name asked twice
            String[][] ranges = {
                {"2026-11-02", "2026-11-27"}, {"2026-11-01", "2026-11-30"}, {"2026-11-15", "2026-11-15"},
                {"2026-10-25", "2026-12-03"}, {"2026-11-03", "2026-11-29"}, {"2026-09-01", "2026-10-19"}};
            for (String[] r : ranges) {
                LocalDate from = LocalDate.parse(r[0]);
                LocalDate to = LocalDate.parse(r[1]);
                assertArrayEquals(sums(a.ranges(t, asked, from, to)), a.totals(t, asked, from, to), r[0] + " to " + r[1]);
            }
            assertTrue(a.totals(t, List.of("c001"), LocalDate.parse("2026-11-02"), LocalDate.parse("2026-11-27"))[0] > 1000,
                    "the import is in the month's total");
        }
    }

    @Test
    void aMonthKeepsItsCountersMonthTotalsAndARangeOfMostOfItReadsThem() throws Exception {
        try (CounterArchive a = archive("redis")) {
            a.replaceShare("n1", "kept", LocalDate.parse("2026-11-05"), Map.of("home", 3L, "news", 1L));
            a.replaceShare("n2", "kept", LocalDate.parse("2026-11-05"), Map.of("home", 4L));
            a.replaceShare("n1", "kept", LocalDate.parse("2026-11-28"), Map.of("home", 10L));
            a.replaceShare("n1", "kept", LocalDate.parse("2026-11-05"), Map.of("home", 2L)); // news is gone from n1
            assertEquals("1", admin.sync().hget("rca:{kept}:202611", ":totals"));
            assertEquals("16", admin.sync().hget("rca:{kept}:202611", "home:t"));
            assertEquals(null, admin.sync().hget("rca:{kept}:202611", "news:t"), "a total of 0 is no field");

            admin.sync().configSet("slowlog-log-slower-than", "0");
            admin.sync().slowlogReset();
            long[] totals = a.totals("kept", List.of("home", "news"), LocalDate.parse("2026-11-02"), LocalDate.parse("2026-11-27"));
            List<Object> log = admin.sync().slowlogGet(100);
            admin.sync().configSet("slowlog-log-slower-than", "10000");
            assertArrayEquals(new long[] {6, 0}, totals);
            assertTrue(log.toString().contains("home:t, home:01, home:28"),
                    "the month total less the 4 days outside the range, not 26 days: " + log);
        }
    }

    @Test
    void aMonthArchivedBeforeMonthTotalsIsReadDayByDay() throws Exception {
        try (CounterArchive a = archive("redis")) {
            // As an earlier version left it: day fields, no month totals, and a stray total that must not be read.
            admin.sync().hset("rca:{old}:202610", Map.of("home:03", "5", "home:20", "7", "home:t", "999"));
            assertArrayEquals(new long[] {12}, a.totals("old", List.of("home"), LocalDate.parse("2026-10-02"),
                    LocalDate.parse("2026-10-30")));
            a.replaceShare("n1", "old", LocalDate.parse("2026-10-21"), Map.of("home", 1L));
            assertArrayEquals(new long[] {13}, a.totals("old", List.of("home"), LocalDate.parse("2026-10-02"),
                    LocalDate.parse("2026-10-30")), "still day by day: the month never kept its totals");
        }
    }
}
