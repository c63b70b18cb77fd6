package io.restycounter.core;

import io.restycounter.core.embedded.MemoryCounterStore;
import io.restycounter.core.log.DailyFileHitLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterEngineTest {

    private static final CounterKey KEY = new CounterKey("acme", "signup");

    @TempDir
    Path dir;

    private CounterConfig config(String... extra) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(Map.of(
                "LOG_DIR", dir.toString(), "API_KEY", "test-api-key", "TIMEZONE", "UTC"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return CounterConfig.from(Settings.of(m));
    }

    private static Hit hit(CounterEngine engine, long inc) {
        return new Hit(engine.now(), KEY, inc, 200, "GET", "/p/acme/signup", "127.0.0.1", null, null, null, null, null);
    }

    private static long count(CounterEngine engine, LocalDate day) throws StoreException {
        return engine.counts(KEY, day, day).get(day);
    }

    @Test
    void embeddedStoreRebuildsTodayAndYesterdayFromTheLogsAfterARestart() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T23:59:59.000Z"));
        CounterConfig config = config();
        try (CounterEngine first = CounterEngine.start(config, clock)) {
            first.record(hit(first, 4));
            clock.set(Instant.parse("2026-11-29T00:00:01.000Z"));
            first.record(hit(first, 1));
            first.record(hit(first, 2));
        }
        try (CounterEngine second = CounterEngine.start(config, clock)) {
            assertEquals(3, count(second, LocalDate.parse("2026-11-29")));
            assertEquals(4, count(second, LocalDate.parse("2026-11-28")));
            second.record(hit(second, 1));
            assertEquals(4, count(second, LocalDate.parse("2026-11-29")));
        }
        clock.set(Instant.parse("2026-12-01T08:00:00.000Z"));
        try (CounterEngine third = CounterEngine.start(config, clock)) {
            assertEquals(0, count(third, LocalDate.parse("2026-11-29")), "only today and yesterday are rebuilt");
        }
    }

    @Test
    void rebuildReadsYesterdaysFileAfterItWasShippedAside() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T15:00:00Z"));
        try (CounterEngine first = CounterEngine.start(config(), clock)) {
            first.record(hit(first, 6));
        }
        Path shipped = Files.createDirectories(dir.resolve(DailyFileHitLog.SHIPPED_DIR));
        Files.move(dir.resolve("2026-11-28-access.log"), shipped.resolve("2026-11-28-access.log"));
        clock.set(Instant.parse("2026-11-29T01:00:00Z"));
        try (CounterEngine second = CounterEngine.start(config(), clock)) {
            assertEquals(6, count(second, LocalDate.parse("2026-11-28")));
        }
    }

    @Test
    void aNodeThatGotAnIdStillRebuildsFromTheFilesItWroteWithout() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T09:00:00Z"));
        try (CounterEngine before = CounterEngine.start(config(), clock)) {
            before.record(hit(before, 5));
        }
        try (CounterEngine after = CounterEngine.start(config("NODE_ID", "web1"), clock)) {
            assertEquals(5, count(after, LocalDate.parse("2026-11-29")), "read 2026-11-29-access.log");
            after.record(hit(after, 2));
        }
        assertTrue(Files.exists(dir.resolve("2026-11-29-web1-access.log")));
        try (CounterEngine again = CounterEngine.start(config("NODE_ID", "web1"), clock)) {
            assertEquals(7, count(again, LocalDate.parse("2026-11-29")), "both files, each once");
        }
    }

    @Test
    void aHitTheLogRefusesIsNotCounted() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        // A log that never writes and holds one hit: the second one is refused.
        DailyFileHitLog stalled = new DailyFileHitLog(dir, java.time.ZoneOffset.UTC, null, GeoIp.none(), 1);
        MemoryCounterStore store = new MemoryCounterStore(3, 10);
        CounterEngine engine = new CounterEngine(config(), store, stalled, GeoIp.none(), clock);
        assertEquals(CounterEngine.Outcome.COUNTED, engine.record(hit(engine, 5)));
        assertEquals(CounterEngine.Outcome.REFUSED_LOG_FULL, engine.record(hit(engine, 7)));
        assertEquals(5, count(engine, LocalDate.parse("2026-11-29")));
        assertEquals(1, engine.refusedHits());
    }

    @Test
    void aHitTheStoreRefusesIsNotLogged() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        DailyFileHitLog log = new DailyFileHitLog(dir, java.time.ZoneOffset.UTC, null, GeoIp.none(), 10);
        log.start();
        try (CounterEngine engine = new CounterEngine(config(), new MemoryCounterStore(3, 1), log, GeoIp.none(), clock)) {
            assertEquals(CounterEngine.Outcome.COUNTED, engine.record(hit(engine, 1)));
            Hit other = new Hit(engine.now(), new CounterKey("acme", "other"), 1, 200, "GET", "/", null, null, null, null, null, null);
            assertEquals(CounterEngine.Outcome.REFUSED_STORE_FULL, engine.record(other));
            engine.flush();
            assertEquals(1, Files.readAllLines(log.fileFor(LocalDate.parse("2026-11-29"))).size());
        }
    }

    @Test
    void aRateLimitedHitIsNeitherCountedNorLogged() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (CounterEngine engine = CounterEngine.start(config("RATE_LIMIT", "2", "RATE_BURST", "3"), clock)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(CounterEngine.Outcome.COUNTED, engine.record(hit(engine, 1)));
            }
            assertEquals(CounterEngine.Outcome.RATE_LIMITED, engine.record(hit(engine, 1)));
            clock.advanceMillis(500);
            assertEquals(CounterEngine.Outcome.COUNTED, engine.record(hit(engine, 1)));
            assertEquals(4, count(engine, LocalDate.parse("2026-11-29")));
            engine.flush();
            assertEquals(4, Files.readAllLines(dir.resolve("2026-11-29-access.log")).size());
        }
    }

    @Test
    void rateLimitZeroTurnsItOff() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (CounterEngine engine = CounterEngine.start(config("RATE_LIMIT", "0"), clock)) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(CounterEngine.Outcome.COUNTED, engine.record(hit(engine, 1)));
            }
        }
    }

    @Test
    void apiKeyComparison() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (CounterEngine engine = CounterEngine.start(config(), clock)) {
            assertTrue(engine.isApiKey("test-api-key"));
            assertTrue(!engine.isApiKey("test-api-kez"));
            assertTrue(!engine.isApiKey("test-api-key "));
            assertTrue(!engine.isApiKey(""));
            assertTrue(!engine.isApiKey(null));
        }
    }

    @Test
    void aTenantTheRegistryDoesNotAdmitLeavesNoTraceNotEvenAPrefetchFate() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00.000Z"));
        CounterConfig config = config("OPEN_TENANTS", "false", "TENANTS", dir.resolve("tenants.toml").toString());
        try (CounterEngine engine = CounterEngine.start(config, clock)) {
            LocalDate day = LocalDate.parse("2026-11-29");
            assertEquals(CounterEngine.Outcome.NOT_ADMITTED, engine.record(hit(engine, 1), HitSignals.PREFETCH));
            assertEquals(CounterEngine.Outcome.NOT_ADMITTED, engine.record(hit(engine, 1)));
            assertEquals(0, count(engine, day));
            assertTrue(engine.fates(KEY, day, day).values().stream().allMatch(f -> java.util.Arrays.stream(f).sum() == 0),
                    "no fate kept for a tenant that must create nothing");
            assertEquals(2, engine.fateCount(CounterEngine.Outcome.NOT_ADMITTED));
            assertEquals(0, engine.fateCount(CounterEngine.Outcome.PREFETCH));
        }
    }
}
