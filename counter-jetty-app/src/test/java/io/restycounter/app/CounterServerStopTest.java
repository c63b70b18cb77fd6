package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Lifecycle;
import io.restycounter.core.Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CounterServer owns its background parts: starts each once, stops each once, and a hung one is left behind. */
class CounterServerStopTest {

    @TempDir
    Path dir;

    /** A background part that counts its calls; its stop can be made to hang. */
    static class Part implements Lifecycle {
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final CountDownLatch hang;

        Part(CountDownLatch hang) {
            this.hang = hang;
        }

        @Override
        public void start() {
            starts.incrementAndGet();
        }

        @Override
        public void stop() {
            stops.incrementAndGet();
            if (hang != null) {
                try {
                    hang.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void stopsEachPartOnceWithinItsBoundEvenWhenOneHangs() throws Exception {
        Settings settings = Settings.of(Map.of("HTTP_PORT", "0", "BIND_ADDRESS", "127.0.0.1",
                "LOG_DIR", dir.resolve("logs").toString(), "API_KEY", TestServer.API_KEY, "TIMEZONE", "UTC"));
        CounterEngine engine = CounterEngine.start(CounterConfig.from(settings), Clock.systemUTC());
        CountDownLatch release = new CountDownLatch(1);
        Part first = new Part(null);
        Part hung = new Part(release);
        Part last = new Part(null);
        CounterServer server = CounterServer.start(engine, ServerSettings.from(settings), null,
                List.of(first, hung, last), Duration.ofMillis(300));
        try {
            assertEquals(List.of(1, 1, 1), List.of(first.starts.get(), hung.starts.get(), last.starts.get()));
            URI healthcheck = URI.create("http://127.0.0.1:" + server.port() + "/healthcheck");
            assertEquals(200, TestServer.HTTP.send(HttpRequest.newBuilder(healthcheck).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());

            long began = System.nanoTime();
            server.stop();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            assertTrue(tookMillis < 10_000, "stop waited for the hung part: " + tookMillis + " ms");
            server.stop();
            assertEquals(List.of(1, 1, 1), List.of(first.stops.get(), hung.stops.get(), last.stops.get()),
                    "each part stopped once, the one after the hung part too");
            assertThrows(IOException.class, () -> TestServer.HTTP.send(HttpRequest.newBuilder(healthcheck)
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()));
        } finally {
            release.countDown();
        }
    }

    /** A part whose start waits for a gate. */
    static final class SlowStart extends Part {
        final CountDownLatch gate = new CountDownLatch(1);

        SlowStart(CountDownLatch hang) {
            super(hang);
        }

        @Override
        public void start() {
            super.start();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String readyz(int port) throws Exception {
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/readyz")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    /** Polls /readyz until it answers {@code expected}, for at most 20 s. */
    private static void awaitReadyz(int port, String expected) throws Exception {
        String last = "no answer";
        for (int i = 0; i < 200 && !expected.equals(last); i++) {
            try {
                last = readyz(port);
            } catch (IOException e) {
                last = e.toString();
            }
            if (!expected.equals(last)) {
                Thread.sleep(100);
            }
        }
        assertEquals(expected, last);
    }

    @Test
    void readyzIsNotReadyWhileStartingReadyWhileServingAndNotReadyWhileDraining() throws Exception {
        int admin;
        try (ServerSocket free = new ServerSocket(0)) {
            admin = free.getLocalPort();
        }
        Settings settings = Settings.of(Map.of("HTTP_PORT", "0", "BIND_ADDRESS", "127.0.0.1",
                "LOG_DIR", dir.resolve("logs").toString(), "API_KEY", TestServer.API_KEY, "TIMEZONE", "UTC",
                "ADMIN_PORT", String.valueOf(admin)));
        CounterEngine engine = CounterEngine.start(CounterConfig.from(settings), Clock.systemUTC());
        CountDownLatch release = new CountDownLatch(1);
        SlowStart part = new SlowStart(release);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<CounterServer> starting = threads.submit(() -> CounterServer.start(engine,
                    ServerSettings.from(settings), null, List.of(part), Duration.ofSeconds(20)));
            awaitReadyz(admin, "503 starting");
            part.gate.countDown();
            CounterServer server = starting.get(20, TimeUnit.SECONDS);
            assertEquals(admin, server.adminPort());
            assertEquals("200 OK", readyz(admin));

            Future<?> stopping = threads.submit(server::stop);
            awaitReadyz(admin, "503 draining: stopping");
            release.countDown();
            stopping.get(20, TimeUnit.SECONDS);
            assertThrows(IOException.class, () -> readyz(admin), "the admin port closes last");
        } finally {
            part.gate.countDown();
            release.countDown();
            threads.shutdownNow();
        }
    }
}
