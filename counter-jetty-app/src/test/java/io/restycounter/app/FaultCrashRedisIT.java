package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.RedisServer;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.HitLogReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #21 item 5, the crash drill: the jar with Redis, SIGKILLed under load at random moments and started
 * again on the same LOG_DIR and NODE_ID each time. Before the fix its log held hits that Redis never
 * got (answered, logged, still in memory at the kill); now every restart replays them.
 */
class FaultCrashRedisIT {

    private static final int KILLS = 3;

    @TempDir
    Path dir;

    @Test
    void sigkillUnderLoadAtRandomMomentsThenRestartLeavesRedisEqualToTheLog() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path logs = dir.resolve("logs");
        try (RedisServer redis = RedisServer.launch()) {
            RedisClient client = RedisClient.create(redis.url());
            try {
                Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR",
                        logs.toString(), "RATE_LIMIT", "0", "TIMEZONE", "UTC", "REDIS_URL", redis.url());
                LocalDate first = LocalDate.now(ZoneOffset.UTC);
                StringBuilder replays = new StringBuilder();
                for (int kill = 1; kill <= KILLS; kill++) {
                    try (AppProcess app = AppProcess.start(dir, env)) {
                        int port = app.awaitPort();
                        replays.append(replayLines(app));
                        Load load = Load.start(4, (t, i) -> URI.create("http://127.0.0.1:" + port + "/p/acme/c" + (t * 5 + i % 5)));
                        load.awaitAnswered(200, 1_000 + random.nextInt(9_000), 60);
                        app.process().destroyForcibly();
                        assertTrue(app.process().waitFor(30, TimeUnit.SECONDS));
                        assertEquals(137, app.process().exitValue(), "killed, not stopped");
                        load.stop();
                    }
                }
                Map<String, Long> logged;
                try (AppProcess app = AppProcess.start(dir, env)) {
                    app.awaitPort();
                    replays.append(replayLines(app));
                    System.out.println("crash drill (seed " + seed + "), replays at restart:\n" + replays);
                    LocalDate last = LocalDate.now(ZoneOffset.UTC);
                    logged = logCounts(logs, first, last);
                    assertEquals(logged, redisCounts(client, first, last), "Redis equals the log for every counter");
                    assertEquals(143, app.terminate(30));
                }
                try (AppProcess again = AppProcess.start(dir, env)) {
                    again.awaitPort();
                    assertTrue(again.output().contains("nothing to replay"), "a graceful restart replays nothing:\n"
                            + again.output());
                    LocalDate last = LocalDate.now(ZoneOffset.UTC);
                    assertEquals(logCounts(logs, first, last), redisCounts(client, first, last));
                    assertEquals(logged, logCounts(logs, first, last), "no hit since");
                }
            } finally {
                client.shutdown();
            }
        }
    }

    private static String replayLines(AppProcess app) {
        StringBuilder b = new StringBuilder();
        for (String line : app.output().split("\n")) {
            if (line.contains("replay")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /** day/counter -> the counted hits of this node's files, as HitLogReader reads them (counted statuses only). */
    private static Map<String, Long> logCounts(Path logs, LocalDate from, LocalDate to) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            Path file = TestServer.logFile(logs, day);
            for (Path f : new Path[] {file, logs.resolve(DailyFileHitLog.SHIPPED_DIR).resolve(file.getFileName())}) {
                if (Files.exists(f)) {
                    LocalDate d = day;
                    HitLogReader.read(f, (key, inc) -> out.merge(d + "/" + key.tenant() + "/" + key.counter(), inc, Long::sum));
                }
            }
        }
        return out;
    }

    /** day/counter -> the day hashes' counts, leaving out counters taken back to 0. */
    private static Map<String, Long> redisCounts(RedisClient client, LocalDate from, LocalDate to) {
        Map<String, Long> out = new TreeMap<>();
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
                LocalDate d = day;
                c.sync().hgetall("rc:{acme}:" + day.toString().replace("-", "")).forEach((counter, count) -> {
                    if (Long.parseLong(count) != 0) {
                        out.put(d + "/acme/" + counter, Long.parseLong(count));
                    }
                });
            }
        }
        return out;
    }
}
