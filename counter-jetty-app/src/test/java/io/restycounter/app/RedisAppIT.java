package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app counting into a real redis-server process: keys, expiry, Redis down and back, SIGTERM. */
class RedisAppIT {

    @TempDir
    Path dir;
    private RedisServer redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeEach
    void startRedis() {
        // Durable: the down-and-back test kills Redis and expects it to keep what it acknowledged.
        redis = RedisServer.launchDurable();
        client = RedisClient.create(redis.url());
    }

    @AfterEach
    void stopRedis() {
        if (connection != null) {
            connection.close();
        }
        client.shutdown();
        redis.close();
    }

    private RedisCommands<String, String> redisCommands() {
        if (connection == null || !connection.isOpen()) {
            connection = client.connect();
        }
        return connection.sync();
    }

    private long redisCount(String tenant, LocalDate day, String counter) {
        String v = redisCommands().hget("rc:{" + tenant + "}:" + day.toString().replace("-", ""), counter);
        return v == null ? 0 : Long.parseLong(v);
    }

    @Test
    void countsGoToTheDaysHashWithItsExpiry() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "REDIS_HOST", "127.0.0.1", "REDIS_PORT",
                String.valueOf(redis.port()), "REDIS_EXPIRE_DAYS", "3")) {
            app.get("/p/acme/signup?v=5");
            app.get("/p/acme/signup");
            assertEquals("6+0", app.query("acme/signup"), "a query sees its own unflushed hits");
            app.server().engine().flush();
            assertEquals(6, redisCount("acme", LocalDate.parse("2026-11-29"), "signup"));
            // Seconds from the node's now (10:00 on the 29th) to the end of the day plus REDIS_EXPIRE_DAYS, where
            // the day ends last (-12:00): a tenant of any zone keeps its day that long.
            long left = Instant.parse("2026-12-03T12:00:00Z").getEpochSecond() - clock.instant().getEpochSecond();
            long ttl = redisCommands().ttl("rc:{acme}:20261129");
            assertTrue(Math.abs(left - ttl) <= 5, "end of the day plus REDIS_EXPIRE_DAYS: ttl " + ttl + ", expected " + left);
            assertEquals(200, app.get("/healthcheck").statusCode());
        }
    }

    @Test
    void redisAuthIsSentAndAWrongPasswordMakesTheStoreUnhealthy() throws Exception {
        try (RedisServer locked = RedisServer.launchWithPassword("s3cret pass")) {
            MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
            try (TestServer app = TestServer.start(dir.resolve("a"), clock, "REDIS_HOST", "127.0.0.1",
                    "REDIS_PORT", String.valueOf(locked.port()), "REDIS_AUTH", "s3cret pass")) {
                app.get("/p/acme/auth?v=4");
                app.server().engine().flush();
                assertEquals(200, app.get("/healthcheck").statusCode());
            }
            RedisClient authed = RedisClient.create("redis://:s3cret%20pass@127.0.0.1:" + locked.port());
            try (StatefulRedisConnection<String, String> c = authed.connect()) {
                assertEquals("4", c.sync().hget("rc:{acme}:20261129", "auth"));
            } finally {
                authed.shutdown();
            }
            try (TestServer wrong = TestServer.start(dir.resolve("b"), clock, "REDIS_HOST", "127.0.0.1",
                    "REDIS_PORT", String.valueOf(locked.port()), "REDIS_AUTH", "wrong")) {
                assertEquals(503, wrong.get("/healthcheck").statusCode());
                assertEquals(200, wrong.get("/p/acme/auth").statusCode(), "pixels are still served and logged");
            }
        }
    }

    @Test
    void redisDownAndBackUnderLoadLosesNothing() throws Exception {
        try (TestServer app = TestServer.start(dir, java.time.Clock.systemUTC(), "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "RATE_LIMIT", "0")) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger served = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(3);
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                senders.add(load.submit(() -> {
                    int i = 0;
                    while (running.get()) {
                        HttpResponse<byte[]> r = app.get("/p/acme/c" + (thread * 7 + i++ % 7));
                        (r.statusCode() == 200 ? served : refused).incrementAndGet();
                    }
                    return null;
                }));
            }
            Thread.sleep(1_000);
            redis.stop();
            Thread.sleep(500);
            assertEquals(503, app.get("/healthcheck").statusCode(), "the store does not answer");
            int servedWhileDown = served.get();
            Thread.sleep(1_500);
            assertTrue(served.get() > servedWhileDown, "pixels are still served while Redis is down");
            redis.start();
            Thread.sleep(1_000);
            running.set(false);
            for (Future<?> f : senders) {
                f.get(30, TimeUnit.SECONDS);
            }
            load.shutdown();
            app.server().engine().flush();
            assertEquals(200, app.get("/healthcheck").statusCode());

            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            long inRedis = 0;
            for (String v : redisCommands().hvals("rc:{acme}:" + today.toString().replace("-", ""))) {
                inRedis += Long.parseLong(v);
            }
            assertEquals(0, refused.get(), "nothing refused in a short outage");
            assertEquals(served.get(), inRedis, "Redis holds every hit answered 200");
            assertEquals(served.get(), Files.readAllLines(dir.resolve(today + "-" + TestServer.NODE_ID + "-access.log")).size(),
                    "and so does the log");
        }
    }

    @Test
    void sigtermFlushesEveryCountToRedis() throws Exception {
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR",
                dir.resolve("logs").toString(), "RATE_LIMIT", "0", "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "FLUSH_INTERVAL_MS", "60000");
        AtomicInteger served = new AtomicInteger();
        try (AppProcess app = AppProcess.start(dir, env)) {
            int port = app.awaitPort();
            ExecutorService load = Executors.newFixedThreadPool(4);
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                senders.add(load.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        try {
                            HttpResponse<Void> r = TestServer.HTTP.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/p/acme/load"))
                                    .timeout(java.time.Duration.ofSeconds(5)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 200) {
                                served.incrementAndGet();
                            }
                        } catch (Exception stopped) {
                            return;
                        }
                    }
                }));
            }
            while (served.get() < 2_000) {
                Thread.sleep(10);
            }
            assertEquals(0, redisCount("acme", LocalDate.now(ZoneOffset.UTC), "load"),
                    "with a one-minute flush interval nothing has reached Redis yet");
            assertEquals(143, app.terminate(30));
            for (Future<?> f : senders) {
                f.get(30, TimeUnit.SECONDS);
            }
            load.shutdown();
        }
        long inRedis = redisCount("acme", LocalDate.now(ZoneOffset.UTC), "load");
        long logged = Files.readAllLines(TestServer.logFile(dir.resolve("logs"), LocalDate.now(ZoneOffset.UTC))).size();
        assertEquals(logged, inRedis, "Redis and the log agree after SIGTERM");
        // A response cut off by the stop was counted but not seen by its client: at most one per sender.
        assertTrue(inRedis >= served.get() && inRedis <= served.get() + 4,
                "every hit answered 200 is in Redis: " + inRedis + " for " + served.get());
    }
}
