package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar as an operator runs it: no configuration, bad configuration, SIGTERM under load. */
class RunnableJarIT {

    @TempDir
    Path work;

    private static HttpResponse<String> get(int port, String pathAndQuery) throws Exception {
        // A timeout, so a sender never hangs on a connection the stopping server left unanswered.
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void runsWithNoConfigurationAndPrintsItsGeneratedKeyOnce() throws Exception {
        try (AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", "0"))) {
            String keyLine = app.awaitLine("the query key for this run is: ", 60);
            String key = keyLine.substring(keyLine.lastIndexOf(' ') + 1);
            int port = app.awaitPort();
            assertEquals(200, get(port, "/p/acme/signup").statusCode());
            assertEquals("1+0", get(port, "/p-query/acme/signup?apikey=" + key).body());
            assertEquals(200, get(port, "/healthcheck").statusCode());
            assertTrue(Files.isDirectory(work.resolve("data/logs")), "default LOG_DIR is ./data/logs");
            assertEquals(143, app.terminate(30), "SIGTERM ends the JVM through its shutdown hooks");
            assertEquals(1, app.output().split(key, -1).length - 1, "the key is printed exactly once");
        }
    }

    @Test
    void aBadSettingStopsStartUpWithOneLineNamingIt() throws Exception {
        try (AppProcess app = AppProcess.start(work, Map.of("HTTP_PORT", "0", "REDIS_HOST", "localhost", "REDIS_PORT", "sixty"))) {
            assertTrue(app.process().waitFor(60, TimeUnit.SECONDS));
            assertNotEquals(0, app.process().exitValue());
            String line = app.awaitLine("REDIS_PORT", 5);
            assertEquals("resty-counter: cannot start: REDIS_PORT: expected an integer from 1 to 65535, got \"sixty\"", line);
            assertEquals(1, app.output().lines().count(), app.output());
        }
    }

    @Test
    void sigtermUnderLoadLosesNoCountedHit() throws Exception {
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR", work.resolve("logs").toString(),
                "RATE_LIMIT", "0", "NODE_ID", "jar1");
        AtomicInteger served = new AtomicInteger();
        try (AppProcess app = AppProcess.start(work, env)) {
            int port = app.awaitPort();
            ExecutorService load = Executors.newFixedThreadPool(4);
            List<Future<?>> senders = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                senders.add(load.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        try {
                            if (get(port, "/p/acme/load").statusCode() == 200) {
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
            long start = System.nanoTime();
            assertEquals(143, app.terminate(30), "JVM exit code after SIGTERM");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "a stop takes a few seconds at most");
            for (Future<?> f : senders) {
                f.get(30, TimeUnit.SECONDS);
            }
            load.shutdown();
        }
        int answered = served.get();
        Path log = work.resolve("logs").resolve(LocalDate.now(ZoneOffset.UTC) + "-jar1-access.log");
        long lines = Files.readAllLines(log).size();
        // A response cut off by the stop was counted but not seen by its client: at most one per sender.
        assertTrue(lines >= answered && lines <= answered + 4, "every hit answered 200 is in the log: " + lines + " for " + answered);

        try (AppProcess again = AppProcess.start(work, env)) {
            int port = again.awaitPort();
            String today = get(port, "/p-query/acme/load?apikey=" + TestServer.API_KEY).body();
            assertTrue(today.startsWith(lines + "+"), "rebuilt count " + today + " for " + lines + " logged hits");
        }
    }
}
