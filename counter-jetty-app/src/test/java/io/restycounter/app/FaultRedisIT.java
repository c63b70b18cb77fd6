package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.http.Pixel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis faults under load against the real app and a real redis-server; every count checked exactly. */
class FaultRedisIT {

    @TempDir
    Path dir;
    private RedisServer redis;
    private RedisClient client;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.launchDurable();
        client = RedisClient.create(redis.url());
    }

    @AfterEach
    void stopRedis() {
        client.shutdown();
        redis.close();
    }

    private long redisSum(String tenant, LocalDate day) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().hvals("rc:{" + tenant + "}:" + day.toString().replace("-", "")).stream()
                    .mapToLong(Long::parseLong).sum();
        }
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static void awaitHealthy(int port, long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            int status = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthcheck"))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/healthcheck still " + status + " after " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    @Test
    void redisKilledUnderLoadAndBackTenSecondsLaterLosesNothing() throws Exception {
        try (TestServer app = TestServer.start(dir, Clock.systemUTC(), "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "RATE_LIMIT", "0")) {
            int port = app.server().port();
            Load load = Load.start(3, (t, i) -> URI.create("http://127.0.0.1:" + port + "/p/acme/c" + (t * 7 + i % 7)));
            load.awaitAnswered(200, 500, 30);
            redis.stop();
            long atKill = load.answered(200);
            Thread.sleep(10_000);
            assertEquals(503, app.get("/healthcheck").statusCode(), "the store does not answer");
            assertTrue(load.answered(200) > atKill + 100, "pixels are served while Redis is down: " + load);
            redis.start();
            awaitHealthy(port, 30);
            Thread.sleep(500);
            load.stop();
            app.server().engine().flush();

            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            assertEquals(0, load.answered(503), "21 counters stay far below MAX_PENDING_COUNTERS: " + load);
            assertEquals(0, load.failed(), load.toString());
            long logged = lines(TestServer.logFile(dir, today));
            long inRedis = redisSum("acme", today);
            assertEquals(load.answered(200), logged, "the log holds every hit answered 200 (Redis: " + inRedis + ")");
            assertEquals(load.answered(200), inRedis, "and so does Redis");
        }
    }

    @Test
    void redisDownPastMaxPendingCountersRefusesNewCountersLoggedOnceAndDropsNothing() throws Exception {
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR",
                dir.resolve("logs").toString(), "RATE_LIMIT", "0", "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "MAX_PENDING_COUNTERS", "20", "TIMEZONE", "UTC");
        LocalDate today;
        Load load;
        try (AppProcess app = AppProcess.start(dir, env)) {
            int port = app.awaitPort();
            redis.stop();
            // 100 distinct counters against a bound of 20: most must be refused while Redis is away.
            load = Load.start(2, (t, i) -> URI.create("http://127.0.0.1:" + port + "/p/acme/k" + ((i * 2 + t) % 100)));
            load.awaitAnswered(503, 2_000, 60);
            HttpResponse<byte[]> refused = TestServer.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/p/acme/never-seen")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(503, refused.statusCode());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            assertArrayEquals(Pixel.gif(), refused.body(), "a refusal still answers with the GIF");
            redis.start();
            awaitHealthy(port, 30);
            Thread.sleep(1_000);
            load.stop();
            // A flush with no new hits frees the places of the counters that were busy; how soon depends
            // on the flusher's back-off after the outage, so ask until it answers (refusals count nothing).
            today = LocalDate.now(ZoneOffset.UTC);
            int freshStatus = 0;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); System.nanoTime() < deadline; ) {
                freshStatus = TestServer.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/p/acme/after-recovery")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (freshStatus != 503) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(200, freshStatus, "once Redis took the waiting counts, a new counter counts again");
            // The flusher says so at its next flush, which may come just after the fresh hit.
            app.awaitLine("below MAX_PENDING_COUNTERS again", 10);
            assertEquals(143, app.terminate(30));
            String out = app.output();
            assertEquals(1, occurrences(out, "MAX_PENDING_COUNTERS reached"), "the refusal is logged once:\n" + out);
            assertTrue(out.contains("below MAX_PENDING_COUNTERS again"), out);
        }
        long served = load.answered(200) + 1;
        assertTrue(load.answered(503) >= 2_000, load.toString());
        assertEquals(0, load.failed(), load.toString());
        assertEquals(served, redisSum("acme", today), "every hit answered 200 reached Redis, no 503 did: " + load);
        assertEquals(served, lines(TestServer.logFile(dir.resolve("logs"), today)), "the log holds the same hits");
    }

    @Test
    void midnightUnderLoadCountsEveryHitOnItsOwnDay() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T23:59:58Z"));
        try (TestServer app = TestServer.start(dir, clock, "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "RATE_LIMIT", "0", "FLUSH_INTERVAL_MS", "20")) {
            int port = app.server().port();
            Thread ticker = new Thread(() -> {
                // Four test seconds around midnight, one clock millisecond per real 0.5 ms.
                for (int i = 0; i < 4_000 && !Thread.currentThread().isInterrupted(); i++) {
                    clock.advanceMillis(1);
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000);
                }
            });
            Load load = Load.start(3, (t, i) -> URI.create("http://127.0.0.1:" + port + "/p/acme/m" + (t + i % 5)));
            ticker.start();
            ticker.join();
            load.stop();
            app.server().engine().flush();

            LocalDate before = LocalDate.parse("2026-11-29");
            LocalDate after = LocalDate.parse("2026-11-30");
            long logBefore = lines(TestServer.logFile(dir, before));
            long logAfter = lines(TestServer.logFile(dir, after));
            assertTrue(logBefore > 0 && logAfter > 0, "load ran on both sides of midnight: " + logBefore + "/" + logAfter);
            assertEquals(load.answered(200), logBefore + logAfter, "no hit lost at rollover: " + load);
            assertEquals(logBefore, redisSum("acme", before), "the day before: count equals its log");
            assertEquals(logAfter, redisSum("acme", after), "the day after: count equals its log");
            for (LocalDate day : List.of(before, after)) {
                for (String line : Files.readAllLines(TestServer.logFile(dir, day))) {
                    assertTrue(line.startsWith("{\"ts\":\"" + day + "T"), "a line in the file of its own day: " + line);
                }
            }
        }
    }

    static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
