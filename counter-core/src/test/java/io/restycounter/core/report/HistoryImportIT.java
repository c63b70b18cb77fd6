package io.restycounter.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisLink;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18, item 6: imported history in the archive, on disk and in a real redis-server: idempotent, a
 * day imported before replaced, a day counted from the logs never changed, a refused file writing
 * nothing, and the imported days in ranges, all-time totals and the counter index.
 */
class HistoryImportIT {

    private static final LocalDate TODAY = LocalDate.of(2026, 12, 1);
    private static final LocalDate LIVE_FROM = TODAY.minusDays(3);
    private static final CounterKey SIGNUP = new CounterKey("acme", "signup");
    private static final CounterKey NEWS = new CounterKey("acme", "news");
    private static final HistoryImport.LiveCounts NO_LIVE = (k, d) -> 0;

    static RedisServer redis;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.launch();
        dir = Files.createTempDirectory("history-import-it");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static CounterArchive archive(String kind, String test) {
        if (kind.equals("redis")) {
            io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
            try (var c = client.connect()) {
                c.sync().flushall();
            } finally {
                client.shutdown();
            }
        }
        return kind.equals("file") ? new FileCounterArchive(dir.resolve(test))
                : new RedisCounterArchive(RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redis.url())))), true);
    }

    private static HistoryImport.Result load(CounterArchive a, String csv, HistoryImport.LiveCounts live) throws Exception {
        return HistoryImport.apply(a, live, TODAY, LIVE_FROM, "acme", HistoryImport.parse(new StringReader(csv), TODAY));
    }

    private static void archiveFromLogs(CounterArchive a, LocalDate day, Map<String, Long> counts) throws Exception {
        a.replaceShare("n1", "acme", day, counts);
        a.markShareDone("n1", day);
        a.markAggregated(day);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void importedDaysCountAndTheSameFileAgainChangesNothing(String kind) throws Exception {
        try (CounterArchive a = archive(kind, "idempotent")) {
            LocalDate logged = LocalDate.of(2026, 11, 10);
            archiveFromLogs(a, logged, Map.of("signup", 5L));
            AllTimeBuild.complete(a, List.of("acme"), YearMonth.from(TODAY));
            String csv = "counter,day,count\r\nsignup,2026-11-10,5\r\nsignup,2026-11-05,7\r\nnews,2026-10-20,3\r\n";

            HistoryImport.Result first = load(a, csv, NO_LIVE);
            assertEquals(List.of(3, 2, 0, 1), List.of(first.rows(), first.added(), first.replaced(), first.unchanged()));
            SortedMap<LocalDate, Long> nov = a.range(SIGNUP, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 30));
            assertEquals(7L, nov.get(LocalDate.of(2026, 11, 5)));
            assertEquals(5L, nov.get(logged), "the logs' day is not doubled");
            assertEquals(Map.of(LocalDate.of(2026, 11, 5), 7L), a.imported(SIGNUP, LocalDate.of(2026, 11, 1), TODAY));
            assertEquals(3L, a.range(NEWS, LocalDate.of(2026, 10, 20), LocalDate.of(2026, 10, 20)).get(LocalDate.of(2026, 10, 20)));
            assertEquals(12L, a.allTime(SIGNUP));
            assertEquals(3L, a.allTime(NEWS));
            assertEquals(List.of("news"), a.counterPage("acme", YearMonth.of(2026, 10), "", null, 10));

            HistoryImport.Result again = load(a, csv, NO_LIVE);
            assertEquals(List.of(0, 0, 3), List.of(again.added(), again.replaced(), again.unchanged()));
            assertEquals(12L, a.allTime(SIGNUP));
            assertEquals(7L, a.range(SIGNUP, LocalDate.of(2026, 11, 5), LocalDate.of(2026, 11, 5)).get(LocalDate.of(2026, 11, 5)));

            HistoryImport.Result changed = load(a, "signup,2026-11-05,9\n", NO_LIVE);
            assertEquals(1, changed.replaced(), "a day imported before takes the new count");
            assertEquals(9L, a.range(SIGNUP, LocalDate.of(2026, 11, 5), LocalDate.of(2026, 11, 5)).get(LocalDate.of(2026, 11, 5)));
            assertEquals(14L, a.allTime(SIGNUP));
            assertEquals(Map.of("news", 3L), a.importedDay("acme", LocalDate.of(2026, 10, 20)),
                    "another file's days are kept");

            // Logs that arrive after the import (a node's file copied in) add to it; importing the logs'
            // count for that day drops the import.
            a.replaceShare("n2", "acme", LocalDate.of(2026, 10, 20), Map.of("news", 4L));
            assertEquals(7L, a.range(NEWS, LocalDate.of(2026, 10, 20), LocalDate.of(2026, 10, 20)).get(LocalDate.of(2026, 10, 20)));
            assertEquals(1, load(a, "news,2026-10-20,4\n", NO_LIVE).replaced());
            assertEquals(4L, a.range(NEWS, LocalDate.of(2026, 10, 20), LocalDate.of(2026, 10, 20)).get(LocalDate.of(2026, 10, 20)));
            assertTrue(a.importedDay("acme", LocalDate.of(2026, 10, 20)).isEmpty());
            assertEquals(4L, a.allTime(NEWS));
            assertEquals(1, load(a, "news,2026-10-20,4\n", NO_LIVE).unchanged());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aCountTheLogsHoldOtherwiseRefusesTheWholeFile(String kind) throws Exception {
        try (CounterArchive a = archive(kind, "conflict")) {
            LocalDate logged = LocalDate.of(2026, 9, 10);
            archiveFromLogs(a, logged, Map.of("signup", 5L));
            HistoryImport.Refused e = assertThrows(HistoryImport.Refused.class,
                    () -> load(a, "signup,2026-09-01,4\nsignup,2026-09-10,6\n", NO_LIVE));
            assertTrue(e.conflict());
            assertEquals(List.of("line 2: count: signup on 2026-09-10 has 5 from the logs, the file says 6"
                    + " (a day counted from the logs keeps its count)"), e.lines());
            assertEquals(0L, a.range(SIGNUP, LocalDate.of(2026, 9, 1), LocalDate.of(2026, 9, 1)).get(LocalDate.of(2026, 9, 1)),
                    "nothing of a refused file is written");
            assertTrue(a.importedDay("acme", LocalDate.of(2026, 9, 1)).isEmpty());

            // A day still live: the live count is the logs' count.
            LocalDate yesterday = TODAY.minusDays(1);
            HistoryImport.LiveCounts live = (k, d) -> d.equals(yesterday) && k.equals(SIGNUP) ? 4 : 0;
            assertThrows(HistoryImport.Refused.class, () -> load(a, "signup," + yesterday + ",5\n", live));
            assertEquals(1, load(a, "signup," + yesterday + ",4\n", live).unchanged());
            assertTrue(a.imported(SIGNUP, yesterday, yesterday).isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void reconciliationLeavesImportsOutOfTheComparisonWithTheLiveStore(String kind) throws Exception {
        LocalDate yesterday = TODAY.minusDays(1);
        try (CounterArchive a = archive(kind, "reconcile");
                io.restycounter.core.embedded.MemoryCounterStore live = new io.restycounter.core.embedded.MemoryCounterStore(3, 1000)) {
            live.increment(SIGNUP, yesterday, 5);
            archiveFromLogs(a, yesterday, Map.of("signup", 5L));
            load(a, "news," + yesterday + ",3\n", (k, d) -> live.get(k, d));
            assertEquals(3L, a.dayTotals("acme", yesterday).get("news"), "the import is in the day's totals");
            Reconciler.Report report = Reconciler.compare(a, live, List.of("acme"), yesterday);
            assertTrue(report.drift().isEmpty(), "no drift: " + report.drift());
        }
    }

    @org.junit.jupiter.api.Test
    void aCounterOutsideTheTenantsRulesIsRefusedAsThePixelWouldBe() {
        HistoryImport.Refused e = assertThrows(HistoryImport.Refused.class, () -> HistoryImport.parse(
                new StringReader("home,2026-11-01,1\nother,2026-11-01,2\n"), TODAY, "home"::equals));
        assertEquals(List.of("line 2: counter: \"other\" is not among the tenant's counters rules"), e.lines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"counter,day,count\nbad name,2026-11-01,1\n|line 2: counter:",
        "signup,2026-11-31,1|line 1: day: expected yyyy-MM-dd, got \"2026-11-31\"",
        "signup,2026-11-01,-3|line 1: count: expected a whole number from 0",
        "signup,2026-12-01,1|line 1: day: 2026-12-01 is not before today (2026-12-01)",
        "signup,2026-11-01|line 1: expected 3 fields",
        "signup,2026-11-01,1\nsignup,2026-11-01,2|line 2: count: signup on 2026-11-01 is 1 on line 1, here 2"})
    void aBadRowIsNamedWithItsLineAndField(String caseText) {
        String[] parts = caseText.split("\\|");
        HistoryImport.Refused e = assertThrows(HistoryImport.Refused.class,
                () -> HistoryImport.parse(new StringReader(parts[0]), TODAY));
        assertFalse(e.conflict());
        assertTrue(e.getMessage().startsWith(parts[1]), e.getMessage());
    }
}
