package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.report.Aggregator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hourly counts through the engine, in the embedded store and in a real Redis: each hour of a day in the
 * TIMEZONE holds the hits sent in it, on a 25-hour day too (Europe/Paris, 2026-10-25, when 02:00 comes
 * twice), before and after the flush, after a restart (the embedded store rebuilds them from the log;
 * Redis keeps them), and in the archive once the day is aggregated from the log.
 */
class HourlyCountsIT {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    /** Daylight saving ends: 25 hours, 02:00 to 03:00 twice. */
    private static final LocalDate LONG_DAY = LocalDate.of(2026, 10, 25);
    private static final LocalDate NEXT = LONG_DAY.plusDays(1);

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

    private CounterConfig config(String store) {
        CounterConfig.Builder b = CounterConfig.builder().logDir(dir).archiveDir(dir.resolve("archive")).apiKey("test-api-key")
                .timeZone(PARIS)
                .flushInterval(Duration.ofMillis(60_000)); // the test flushes
        if (store.equals("redis")) {
            b.redisUrl(redis.url()).nodeId("n1");
        }
        return b.build();
    }

    private static Instant at(LocalDate day, int hourIndex, int minute) {
        return day.atStartOfDay(PARIS).toInstant().plus(Duration.ofHours(hourIndex)).plus(Duration.ofMinutes(minute));
    }

    private static void send(CounterEngine engine, MutableClock clock, CounterKey key, Instant when, int hits) {
        clock.set(when);
        for (int i = 0; i < hits; i++) {
            assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), key, 1, 200, "GET",
                    "/p/" + key.tenant() + "/" + key.counter(), "203.0.113." + (i % 200), null, null, null, null,
                    "Browser/1")));
            clock.advanceMillis(100);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void eachHourHoldsTheHitsSentInItOnA25HourDayAndAfterARestart(String store) throws Exception {
        CounterKey key = new CounterKey("hours" + store, "home");
        MutableClock clock = new MutableClock(at(LONG_DAY, 0, 0));
        long[] expected = new long[25];
        for (int h = 0; h < 25; h++) {
            expected[h] = h + 1;
        }
        long[] next = new long[25];
        next[0] = 2;
        next[23] = 1;
        CounterConfig config = config(store);
        try (CounterEngine engine = CounterEngine.start(config, clock)) {
            for (int h = 0; h < 25; h++) {
                send(engine, clock, key, at(LONG_DAY, h, 5), h + 1);
            }
            send(engine, clock, key, at(NEXT, 0, 30), 2);
            send(engine, clock, key, at(NEXT, 23, 30), 1);
            assertHours(engine, key, expected, next, store + ", before the flush");
            engine.flush();
            assertHours(engine, key, expected, next, store + ", flushed");
            assertEquals(325, engine.counts(key, LONG_DAY, LONG_DAY).get(LONG_DAY), "the day is the sum of its hours");
        }
        try (CounterEngine again = CounterEngine.start(config, clock)) {
            assertHours(again, key, expected, next, store + ", after a restart");
            for (int pass = 1; pass <= 2; pass++) { // aggregating again changes nothing
                new Aggregator(dir, again.archive(), again.calendar(), clock).aggregate(LONG_DAY);
                SortedMap<LocalDate, long[]> archived = again.archive().hours(key, LONG_DAY, NEXT);
                assertArrayEquals(expected, archived.get(LONG_DAY), store + ": archived from the log, pass " + pass);
                assertEquals(null, archived.get(NEXT), "a day not aggregated has no archived hours");
            }
        }
    }

    private static void assertHours(CounterEngine engine, CounterKey key, long[] longDay, long[] next, String when)
            throws StoreException {
        SortedMap<LocalDate, long[]> hours = engine.store().hours(key, LONG_DAY, NEXT);
        assertArrayEquals(longDay, hours.get(LONG_DAY), when + ": " + LONG_DAY);
        assertArrayEquals(next, hours.get(NEXT), when + ": " + NEXT);
    }
}
