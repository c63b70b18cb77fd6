package io.restycounter.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.embedded.MemoryCounterStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daily aggregation as a {@link io.restycounter.core.Lifecycle}, over a real log and archive directory. */
class DailyAggregationLifecycleTest {

    private static final String THREAD = "daily-aggregation";

    @TempDir
    Path dir;

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(THREAD)).count();
    }

    @Test
    void startTwiceIsOneThreadOnePassAndStopLeavesNone() throws Exception {
        CounterConfig config = CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.resolve("logs").toString(), "TIMEZONE", "UTC", "API_KEY", "test-api-key")));
        FileCounterArchive archive = new FileCounterArchive(dir.resolve("archive"));
        Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);
        DailyAggregation daily = new DailyAggregation(config, archive, new MemoryCounterStore(3, 10), clock);
        daily.stop(); // before start: nothing to stop
        daily.start();
        daily.start();
        assertEquals(1, threads());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!archive.isAggregated(LocalDate.parse("2026-11-28")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(archive.isAggregated(LocalDate.parse("2026-11-28")), "the pass at start aggregated yesterday");
        daily.stop();
        daily.close();
        // The executor has terminated; its worker may take a moment to leave run().
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (threads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, threads());
    }

    @Test
    void theAppLogShowsTheFirstTwentyDriftsAndHowManyMoreNotAMillion() {
        LocalDate day = LocalDate.parse("2026-11-28");
        List<Reconciler.Drift> drift = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            drift.add(new Reconciler.Drift(new CounterKey("big", "c" + i), 0, 2));
        }
        String logged = DailyAggregation.firstDrift(drift, day);
        assertTrue(logged.startsWith("[big/c0: archive 0, live 2 (+2), "), logged);
        assertTrue(logged.contains("big/c19: archive 0, live 2 (+2)]"), logged);
        assertFalse(logged.contains("big/c20:"), logged);
        assertTrue(logged.endsWith(" and 99980 more (`bin/counter verify --day 2026-11-28` lists them all)"), logged);
        assertEquals("[big/c0: archive 0, live 2 (+2)]", DailyAggregation.firstDrift(drift.subList(0, 1), day));
    }
}
