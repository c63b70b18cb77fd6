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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar SIGKILLed under load: the embedded store rebuilds from the logs, and what is lost is bounded. */
class FaultCrashIT {

    private static final int QUEUE = 2_000;
    /**
     * Lines the writer may hold encoded but unwritten: its 64 KiB buffer and the JSON generator's
     * 8,000 bytes, of lines of at least 100 bytes.
     */
    private static final int BUFFERED_LINES = ((1 << 16) + 8_000) / 100 + 1;

    @TempDir
    Path dir;

    @Test
    void sigkillUnderLoadLosesAtMostTheWritersQueueAndRebuildsTheRest() throws Exception {
        Map<String, String> env = Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR",
                dir.resolve("logs").toString(), "RATE_LIMIT", "0", "TIMEZONE", "UTC",
                "LOG_QUEUE_CAPACITY", String.valueOf(QUEUE));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Load load;
        try (AppProcess app = AppProcess.start(dir, env)) {
            int port = app.awaitPort();
            load = Load.start(4, (t, i) -> URI.create("http://127.0.0.1:" + port + "/p/acme/crash" + t));
            load.awaitAnswered(200, 5_000, 60);
            app.process().destroyForcibly();
            assertTrue(app.process().waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, app.process().exitValue(), "killed, not stopped");
            load.stop();
        }
        long served = load.answered(200);
        Path log = TestServer.logFile(dir.resolve("logs"), today);
        long logged = Files.readAllLines(log).stream().filter(l -> l.endsWith("}")).count();

        try (AppProcess again = AppProcess.start(dir, env)) {
            int port = again.awaitPort();
            assertTrue(again.output().contains("rebuilt " + today), again.output());
            long rebuilt = 0;
            for (int t = 0; t < load.threads(); t++) {
                rebuilt += today(again, port, "crash" + t);
            }
            long lost = served - rebuilt;
            System.out.printf("SIGKILL under load: %d answered 200, %d whole lines in the log, %d counted after restart,"
                    + " lost %d (bound %d), %d requests without an answer%n", served, logged, rebuilt, lost,
                    QUEUE + BUFFERED_LINES, load.failed());
            assertEquals(logged, rebuilt, "the count after restart is exactly what the log holds");
            assertTrue(lost <= QUEUE + BUFFERED_LINES, "a crash loses at most the queued and buffered hits: lost " + lost);
            assertTrue(rebuilt <= served + load.threads(),
                    "at most one in-flight hit per client was logged without its answer: " + rebuilt + " vs " + served);
        }
    }

    private static long today(AppProcess app, int port, String counter) throws Exception {
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/p-query/acme/" + counter))
                .header("X-Api-Key", TestServer.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Long.parseLong(r.body().substring(0, r.body().indexOf('+')));
    }
}
