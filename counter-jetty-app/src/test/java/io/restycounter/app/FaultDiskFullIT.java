package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.RedisServer;
import io.restycounter.core.SmallDisk;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #21: LOG_DIR on a full disk, a real one (a 256 KiB tmpfs filled by a filler file), with the
 * app as its own process. Counted and logged, or neither: a hit answered 200 ends up in the log and
 * the count, a hit answered 503 in neither, and hits the disk never took by shutdown are taken back.
 */
class FaultDiskFullIT {

    private static final List<String> COUNTERS = List.of("a", "b", "c");
    private static final Pattern TAKEN_BACK = Pattern.compile("(\\d+) hits were not written and their counts were taken back");

    @TempDir
    Path dir;

    @Test
    void fullDiskOnTheEmbeddedStoreCountsOnlyWhatTheLogHolds() throws Exception {
        drill(Map.of(), null);
    }

    @Test
    void fullDiskWithRedisCountsOnlyWhatTheLogHolds() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            RedisClient client = RedisClient.create(redis.url());
            try {
                drill(Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port())), client);
            } finally {
                client.shutdown();
            }
        }
    }

    private void drill(Map<String, String> store, RedisClient redis) throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 256)) {
            Path logs = disk.dir().resolve("logs");
            Map<String, String> env = new HashMap<>(store);
            env.putAll(Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR", logs.toString(),
                    "RATE_LIMIT", "0", "TIMEZONE", "UTC"));
            Path file = TestServer.logFile(logs, LocalDate.now(ZoneOffset.UTC));
            Map<String, Long> served = new LinkedHashMap<>();
            COUNTERS.forEach(c -> served.put(c, 0L));
            long takenBack;
            try (AppProcess app = AppProcess.start(dir, env)) {
                int port = app.awaitPort();
                disk.fill(16_000);
                pixelsUntilRefused(port, served);
                HttpResponse<String> health = get(port, "/healthcheck");
                assertEquals(503, health.statusCode());
                assertEquals("log: cannot write to LOG_DIR", health.body());
                for (String c : COUNTERS) {
                    assertEquals(served.get(c), count(port, c), "counted: the 200s, waiting to be written; no 503");
                }

                disk.free();
                awaitHealthy(port);
                for (int i = 0; i < 30; i++) {
                    String c = COUNTERS.get(i % COUNTERS.size());
                    assertEquals(200, get(port, "/p/acme/" + c).statusCode(), "counting resumes by itself");
                    served.merge(c, 1L, Long::sum);
                }
                long total = served.values().stream().mapToLong(Long::longValue).sum();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (Files.readAllLines(file).size() < total && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                for (String c : COUNTERS) {
                    assertEquals(served.get(c), lines(file, c), "every 200 reached the log once the disk had room: " + c);
                }

                disk.fill(16_000);
                pixelsUntilRefused(port, served);
                assertEquals(143, sigterm(app), "SIGTERM ends within its bound while the disk is full");
                app.awaitLine("were not written", 10);
                String out = app.output();
                assertEquals(1, FaultRedisIT.occurrences(out, "were not written"), "one line at shutdown:\n" + out);
                Matcher m = TAKEN_BACK.matcher(out);
                assertTrue(m.find(), out);
                takenBack = Long.parseLong(m.group(1));
                assertTrue(takenBack >= 1, "the hits the disk refused were waiting at SIGTERM: " + out);
            }

            disk.free();
            try (AppProcess app = AppProcess.start(dir, env)) {
                int port = app.awaitPort();
                long total = served.values().stream().mapToLong(Long::longValue).sum();
                assertEquals(total - takenBack, Files.readAllLines(file).size(),
                        "the log holds every 200 but the ones taken back, and no 503");
                for (String c : COUNTERS) {
                    long logged = lines(file, c);
                    assertEquals(logged, count(port, c), "the count after a restart equals the log: " + c);
                    if (redis != null) {
                        assertEquals(logged, redisCount(redis, c), "Redis equals the log: " + c);
                    }
                }
                assertEquals(143, app.terminate(30));
            }
        }
    }

    /**
     * SIGTERM as {@link AppProcess#terminate} sends it, but through the process handle: {@code Process.destroy()}
     * also closes the output pipe, and the shutdown's own lines are what this test reads.
     */
    private static int sigterm(AppProcess app) throws InterruptedException {
        app.process().toHandle().destroy();
        assertTrue(app.process().waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM:\n" + app.output());
        return app.process().exitValue();
    }

    /** Pixels round the counters until 20 are refused; each refusal is a 503 GIF with Retry-After: 1. */
    private static void pixelsUntilRefused(int port, Map<String, Long> served) throws Exception {
        int refused = 0;
        for (int i = 0; i < 5_000 && refused < 20; i++) {
            String c = COUNTERS.get(i % COUNTERS.size());
            HttpResponse<String> r = get(port, "/p/acme/" + c);
            if (r.statusCode() == 200) {
                served.merge(c, 1L, Long::sum);
            } else {
                assertEquals(503, r.statusCode());
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                assertEquals("image/gif", r.headers().firstValue("Content-Type").orElse(null));
                refused++;
            }
        }
        assertEquals(20, refused, "a log that cannot be written refuses new hits, long before its queue is full");
    }

    private static void awaitHealthy(int port) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (get(port, "/healthcheck").statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "/healthcheck back to 200 once the disk has room");
            Thread.sleep(100);
        }
    }

    private static long lines(Path file, String counter) throws Exception {
        String field = "\"counter\":\"" + counter + "\"";
        return Files.readAllLines(file).stream().filter(l -> l.contains(field)).count();
    }

    private static long redisCount(RedisClient client, String counter) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String key = "rc:{acme}:" + LocalDate.now(ZoneOffset.UTC).toString().replace("-", "");
            String v = c.sync().hget(key, counter);
            return v == null ? 0 : Long.parseLong(v);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long count(int port, String counter) throws Exception {
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/p-query/acme/" + counter))
                .header("X-Api-Key", TestServer.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Long.parseLong(r.body().substring(0, r.body().indexOf('+')));
    }
}
