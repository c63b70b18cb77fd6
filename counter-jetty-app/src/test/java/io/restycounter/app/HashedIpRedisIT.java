package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.redis.RedisLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LOG_IP=hashed with Redis: two nodes of one Redis share the key of the day (SET NX), so one address
 * hashes alike on both; the key expires when the day (plus its grace) ends, and the next day's hashes
 * differ. The nodes' clock is the engine's, moved by the test.
 */
class HashedIpRedisIT {

    @TempDir
    Path dir;
    private RedisServer redis;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.launch();
    }

    @AfterEach
    void stopRedis() {
        redis.close();
    }

    private TestServer node(String id, MutableClock clock) throws Exception {
        return TestServer.start(dir.resolve(id), clock, "NODE_ID", id, "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", String.valueOf(redis.port()), "LOG_IP", "hashed", "RATE_LIMIT", "0",
                "TRUSTED_PROXIES", "127.0.0.1/32");
    }

    private String hashedIp(TestServer node, String id, String day, int line) throws Exception {
        node.server().engine().flush();
        List<String> lines = Files.readAllLines(dir.resolve(id).resolve(day + "-" + id + "-access.log"));
        String ip = CounterServerIT.json(lines.get(line)).get("ip");
        assertTrue(ip != null && ip.matches("[0-9a-f]{32}"), lines.get(line));
        return ip;
    }

    @Test
    void twoNodesHashAnAddressAlikeOnTheSameDayAndDifferentlyTheNextDay() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer one = node("n1", clock); TestServer two = node("n2", clock)) {
            assertEquals(200, one.get("/p/acme/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            assertEquals(200, two.get("/p/acme/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            String onOne = hashedIp(one, "n1", "2026-11-29", 0);
            assertEquals(onOne, hashedIp(two, "n2", "2026-11-29", 0), "one key of the day for every node");

            try (RedisLink link = RedisLink.connect(io.restycounter.core.CounterConfig.builder()
                    .redisUrl(redis.url()).build())) {
                long ttl = link.call("PTTL", r -> r.pttl("rc:iphash:20261129"));
                long untilEndPlusGrace = Instant.parse("2026-11-30T00:05:00Z").toEpochMilli() - clock.millis();
                assertTrue(Math.abs(untilEndPlusGrace - ttl) < 60_000,
                        "expires at the day's end plus 5 minutes: pttl " + ttl + ", expected about " + untilEndPlusGrace);
            }

            clock.set(Instant.parse("2026-11-30T10:00:00Z"));
            assertEquals(200, two.get("/p/acme/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            assertEquals(200, one.get("/p/acme/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            String nextDay = hashedIp(two, "n2", "2026-11-30", 0);
            assertNotEquals(onOne, nextDay, "a new key each day");
            assertEquals(nextDay, hashedIp(one, "n1", "2026-11-30", 0), "shared on the new day too");
        }
    }

    /** Without the key of the day a line goes without ip: never with the address it could not hash. */
    @Test
    void whileRedisCannotGiveTheKeyLinesGoWithoutIpButAreWrittenAndCounted() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer one = node("n1", clock)) {
            redis.stop();
            assertEquals(200, one.get("/p/acme/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            try {
                one.server().engine().flush();
            } catch (io.restycounter.core.StoreException expected) {
                // The counts wait for Redis; the log is written.
            }
            Path file = dir.resolve("n1").resolve("2026-11-29-n1-access.log");
            List<String> lines = Files.readAllLines(file);
            assertEquals(1, lines.size());
            assertTrue(!CounterServerIT.json(lines.get(0)).containsKey("ip"), lines.get(0));
            assertTrue(!Files.readString(file).contains("203.0.113"), lines.get(0));
        }
    }
}
