package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LOG_DIR that cannot be written. Tests run as root, where chmod stops nothing, so the day's file
 * path is made a directory: every open fails as on a full or read-only disk, and removing it is
 * "space returns".
 */
class FaultLogDirIT {

    private static final int QUEUE = 300;

    @TempDir
    Path dir;

    @Test
    void unwritableLogDirRefusesNewHitsAtOnceSaysSoOnceAndRecovers() throws Exception {
        Path logs = dir.resolve("logs");
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR",
                logs.toString(), "RATE_LIMIT", "0", "TIMEZONE", "UTC", "LOG_QUEUE_CAPACITY", String.valueOf(QUEUE));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Path dayFile = TestServer.logFile(logs, today);
        try (AppProcess app = AppProcess.start(dir, env)) {
            int port = app.awaitPort();
            Files.createDirectories(dayFile);

            long served = 0;
            int status = 200;
            for (int i = 0; i < 50_000 && status == 200; i++) {
                status = get(port, "/p/acme/disk").statusCode();
                if (status == 200) {
                    served++;
                }
            }
            assertEquals(503, status, "once a write failed, new hits are refused");
            // Issue #21: refused at once, not after LOG_QUEUE_CAPACITY hits that only live in memory.
            assertTrue(served >= 1 && served < QUEUE, "the queue took " + served + " hits before refusing");
            assertEquals(503, get(port, "/p/acme/other").statusCode(), "refused, whatever the counter");
            HttpResponse<String> health = get(port, "/healthcheck");
            assertEquals(503, health.statusCode());
            assertEquals("log: cannot write to LOG_DIR", health.body());
            assertEquals(served, count(port), "a refused hit is not counted");
            Thread.sleep(2_500); // the writer retries every second

            Files.delete(dayFile);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (get(port, "/healthcheck").statusCode() != 200) {
                assertTrue(System.nanoTime() < deadline, "/healthcheck back to 200 once the file can be written");
                Thread.sleep(100);
            }
            Thread.sleep(500); // the writer drains the queue that filled while it could not write
            for (int i = 0; i < 100; i++) {
                assertEquals(200, get(port, "/p/acme/disk").statusCode());
                served++;
            }
            assertEquals(served, count(port));
            assertEquals(143, app.terminate(30));
            String out = app.output();
            assertEquals(1, FaultRedisIT.occurrences(out, "cannot write to"), "one line says so:\n" + out);
            assertEquals(0, FaultRedisIT.occurrences(out, "LOG_QUEUE_CAPACITY reached"), "never reached: " + out);
            assertTrue(out.contains("writing to " + logs + " again"), out);
            assertEquals(served, Files.readAllLines(dayFile).size(), "the buffered lines landed, none twice");
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long count(int port) throws Exception {
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/p-query/acme/disk"))
                .header("X-Api-Key", TestServer.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Long.parseLong(r.body().substring(0, r.body().indexOf('+')));
    }
}
