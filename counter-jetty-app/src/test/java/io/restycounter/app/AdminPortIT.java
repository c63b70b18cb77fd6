package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.RedisServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics and health on the admin port, and only there. */
class AdminPortIT {

    @TempDir
    Path dir;

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsLivenessAndReadinessAnswerOnTheAdminPortNotThePublicOne() throws Exception {
        try (TestServer app = TestServer.start(dir.resolve("logs"), Clock.systemUTC(), "ADMIN_PORT", "0")) {
            int admin = app.server().adminPort();
            assertTrue(admin > 0 && admin != app.server().port());
            app.get("/p/acme/home");
            app.get("/p/acme/home");
            app.get("/p/Not-A-Tenant/home");

            HttpResponse<String> metrics = get(admin, "/metrics");
            assertEquals(200, metrics.statusCode());
            String text = metrics.body();
            assertTrue(text.contains("counter_pixels_total{answer=\"counted\",status=\"200\"} 2.0"), text);
            assertTrue(text.contains("counter_pixels_total{answer=\"not_found\",status=\"404\"} 1.0"), text);
            assertTrue(text.contains("counter_hits_total{fate=\"counted\"} 2.0"), text);
            assertTrue(text.contains("counter_log_queued "), text);
            assertTrue(text.contains("counter_store_flush_seconds_count "), text);
            assertTrue(text.contains("jvm_memory_used_bytes{"), text);
            assertTrue(text.contains("jvm_gc_"), text);
            assertTrue(text.contains("jvm_threads_live_threads "), text);
            assertEquals(200, get(admin, "/livez").statusCode());
            assertEquals(200, get(admin, "/readyz").statusCode());

            assertEquals(404, app.get("/metrics").statusCode(), "never on the public port");
            assertEquals(404, app.get("/readyz").statusCode(), "never on the public port");
        }
    }

    @Test
    void withoutAdminPortThereIsNone() throws Exception {
        try (TestServer app = TestServer.start(dir.resolve("logs"), Clock.systemUTC())) {
            assertEquals(-1, app.server().adminPort());
        }
    }

    @Test
    void notReadyWhileTheStoreRefusesNewCounters() throws Exception {
        try (RedisServer redis = RedisServer.launch();
                TestServer app = TestServer.start(dir.resolve("logs"), Clock.systemUTC(), "ADMIN_PORT", "0",
                        "REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(redis.port()),
                        "MAX_PENDING_COUNTERS", "1")) {
            int admin = app.server().adminPort();
            assertEquals(200, get(admin, "/readyz").statusCode());
            redis.stop();
            assertEquals(200, app.get("/p/acme/first").statusCode());
            assertEquals(503, app.get("/p/acme/second").statusCode(), "one counter waits for Redis: the store is full");

            HttpResponse<String> ready = get(admin, "/readyz");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("refuses new counters"), ready.body());
            assertEquals(200, get(admin, "/livez").statusCode(), "alive all the same");
            String metrics = get(admin, "/metrics").body();
            assertTrue(metrics.contains("counter_store_refusing 1.0"), metrics);
            assertTrue(metrics.contains("counter_pixels_total{answer=\"unavailable\",status=\"503\"} 1.0"), metrics);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (metrics.contains("counter_redis_disconnects_total 0.0") && System.nanoTime() < deadline) {
                Thread.sleep(100);
                metrics = get(admin, "/metrics").body();
            }
            assertTrue(metrics.contains("counter_redis_disconnects_total ")
                    && !metrics.contains("counter_redis_disconnects_total 0.0"), "Lettuce saw Redis go: " + metrics);
            redis.start();
        }
    }
}
