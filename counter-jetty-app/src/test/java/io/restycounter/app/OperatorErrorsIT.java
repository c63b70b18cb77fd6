package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.RedisServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when something expected goes wrong at start or stop: one line each, no stack
 * trace, and nothing done before the failure that should have stopped start-up. Regressions of issue 19:
 * a port in use printed a 30-line BindException after yesterday's aggregation had written to Redis;
 * Redis down at start printed a 50-line trace and the aggregation waited 15 minutes to try again;
 * {@code LOG_DIR=/proc/x} gave no reason; {@code --version} printed an empty line.
 */
class OperatorErrorsIT {

    @TempDir
    Path work;

    private static List<String> traceLines(String output) {
        return output.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by")).toList();
    }

    @Test
    void aPortInUseStopsStartUpWithOneLineBeforeAnythingIsWritten() throws Exception {
        try (RedisServer redis = RedisServer.launch();
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try (AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", Integer.toString(port),
                    "BIND_ADDRESS", "127.0.0.1", "REDIS_URL", redis.url(), "API_KEY", TestServer.API_KEY))) {
                assertTrue(app.process().waitFor(60, TimeUnit.SECONDS), app.output());
                assertEquals(Main.EXIT_CONFIG, app.process().exitValue());
                Thread.sleep(200); // the output reader's last line
                assertEquals("resty-counter: cannot start: HTTP_PORT: cannot listen on 127.0.0.1:" + port
                        + ": Address already in use", app.output());
            }
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertEquals(0L, c.sync().dbsize(), "keys written before the port was found taken: " + c.sync().keys("*"));
            } finally {
                client.shutdown();
            }
            assertFalse(Files.exists(work.resolve("data")), "nothing written under ./data (logs, node-id, archive)");
        }
    }

    @Test
    void redisDownAtStartIsOneLineAndTheAggregationRunsSoonAfterItComesBack() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            redis.stop();
            try (AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", "0", "REDIS_URL", redis.url(),
                    "API_KEY", TestServer.API_KEY))) {
                String failed = app.awaitLine("daily-aggregation: ", 60);
                assertTrue(failed.endsWith("daily-aggregation: Redis at " + redis.url()
                        + ": cannot connect: Connection refused; retrying in 5 s"), failed);
                app.awaitPort();
                redis.start();
                // First retry after 5 s, then 10 s, 20 s: well within a minute.
                app.awaitLine("daily-aggregation: aggregated " + LocalDate.now(ZoneOffset.UTC).minusDays(1), 60);
                String output = app.output();
                assertEquals(List.of(), traceLines(output), output);
                assertFalse(output.contains("Redis at Redis at") || output.contains("<unresolved>"), output);
                assertEquals(1, output.lines().filter(l -> l.contains("retrying in")).count(), output);
                assertTrue(output.contains("does not answer at start (cannot connect: Connection refused); "
                        + "counting in memory and trying again every 5 s at most until it does"), output);
            }
        }
    }

    @Test
    void sigtermWithRedisDownSaysOnceWhatDidNotReachIt() throws Exception {
        try (RedisServer redis = RedisServer.launch();
                AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", "0", "REDIS_URL", redis.url(),
                        "API_KEY", TestServer.API_KEY, "RATE_LIMIT", "0"))) {
            int port = app.awaitPort();
            redis.stop();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, TestServer.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/p/acme/down")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            app.awaitLine("did not take counts", 30);
            int stopFrom = app.output().length();
            assertEquals(143, app.terminate(30));
            app.awaitLine("REDIS DOWN AT CLOSE", 5);
            String atStop = app.output().substring(stopFrom);
            assertEquals(List.of(), traceLines(atStop), atStop);
            assertFalse(atStop.contains("kept for retry") || atStop.contains("retrying"), atStop);
            List<String> down = atStop.lines().filter(l -> l.contains("REDIS DOWN AT CLOSE")).toList();
            assertEquals(1, down.size(), atStop);
            assertTrue(down.get(0).contains("3 hits in "), down.get(0));
            assertTrue(down.get(0).contains("did not reach Redis at " + redis.url()), down.get(0));
        }
    }

    @Test
    void anUncreatableLogDirGivesTheOperatingSystemsReason() throws Exception {
        try (AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", "0", "LOG_DIR", "/proc/x"))) {
            assertTrue(app.process().waitFor(60, TimeUnit.SECONDS), app.output());
            assertEquals(Main.EXIT_CONFIG, app.process().exitValue());
            String line = app.awaitLine("LOG_DIR", 5);
            assertEquals("resty-counter: cannot start: LOG_DIR: cannot create /proc/x: No such file or directory", line);
            assertEquals(List.of(), traceLines(app.output()), app.output());
        }
    }

    @Test
    void versionIsPrintedByTheServerAndItsCommands() throws Exception {
        for (List<String> args : List.of(List.of("--version"), List.of("aggregate", "--version"),
                List.of("sync-logs", "--version"))) {
            try (AppProcess app = AppProcess.start(work, Map.of(), args.toArray(String[]::new))) {
                assertTrue(app.process().waitFor(60, TimeUnit.SECONDS), app.output());
                assertEquals(0, app.process().exitValue(), app.output());
                String line = app.awaitLine("resty-counter", 5);
                assertTrue(line.matches("resty-counter \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), args + ": \"" + line + "\"");
            }
        }
    }
}
