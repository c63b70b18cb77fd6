package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MmdbWriter;
import io.restycounter.core.MutableClock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port's meters for the app's own parts (S3 shipping, the GeoIP database) and per tenant. */
class ServerMetersIT {

    /** MmdbWriter's build_epoch. */
    private static final Instant BUILT = Instant.ofEpochSecond(1_790_000_000L);

    @TempDir
    Path dir;

    private static String metrics(TestServer app) throws Exception {
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.server().adminPort()
                + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void theGeoIpDatabasesAgeIsItsBuildTimeToNow() throws Exception {
        Path db = Files.write(dir.resolve("GeoLite2-City.mmdb"), new MmdbWriter("GeoLite2-City", 24)
                .insert("81.2.69.0/24", MmdbWriter.city("GB", "ENG", "London", "EC1A", 51.5142, -0.0931)).build());
        MutableClock clock = new MutableClock(BUILT.plus(Duration.ofDays(10)));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "ADMIN_PORT", "0", "GEOIP_DB", db.toString())) {
            String text = metrics(app);
            assertTrue(text.contains("counter_geoip_database_age_seconds " + (10 * 86_400) + ".0"), text);
        }
    }

    @Test
    void aClosedLogThatCannotBeShippedIsCountedAsFailedAndWaiting() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Instant now = Instant.parse("2026-11-29T10:00:00Z");
        Path yesterday = TestServer.logFile(logs, "2026-11-28");
        Files.writeString(yesterday, "{\"ts\":\"2026-11-28T12:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1}\n");
        Files.setLastModifiedTime(yesterday, FileTime.from(now.minus(Duration.ofHours(2))));
        long size = Files.size(yesterday);
        // Nothing listens on port 1: every upload fails.
        try (TestServer app = TestServer.start(logs, new MutableClock(now), "ADMIN_PORT", "0",
                "AWS_PATH", "hits/raw", "S3_ENDPOINT", "http://127.0.0.1:1", "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret")) {
            String text = metrics(app);
            assertTrue(text.contains("counter_s3_waiting_bytes " + size + ".0"), text);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!text.contains("counter_s3_last_run_failed_files 1.0") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                text = metrics(app);
            }
            assertTrue(text.contains("counter_s3_last_run_failed_files 1.0"), text);
            assertTrue(text.contains("counter_s3_last_run_shipped_files 0.0"), text);
        }
    }

    @Test
    void noMeterCarriesATenantUnlessAskedTo() throws Exception {
        try (TestServer app = TestServer.start(dir.resolve("logs"), new MutableClock(BUILT), "ADMIN_PORT", "0",
                "RATE_LIMIT", "0")) {
            assertEquals(200, app.get("/p/acme/home").statusCode());
            String text = metrics(app);
            assertTrue(text.contains("counter_hits_total{fate=\"counted\"} 1.0"), text);
            assertFalse(text.contains("tenant="), text);
        }
    }

    @Test
    void perTenantMetersStopAtTheirLimitAndTheRestShareOther() throws Exception {
        try (TestServer app = TestServer.start(dir.resolve("logs"), new MutableClock(BUILT), "ADMIN_PORT", "0",
                "RATE_LIMIT", "0", "METRICS_PER_TENANT", "true", "METRICS_MAX_TENANTS", "2")) {
            for (String tenant : new String[] {"acme", "acme", "beta", "gamma", "delta", "delta"}) {
                assertEquals(200, app.get("/p/" + tenant + "/home").statusCode());
            }
            String text = metrics(app);
            assertTrue(text.contains("counter_tenant_hits_total{fate=\"counted\",tenant=\"acme\"} 2.0"), text);
            assertTrue(text.contains("counter_tenant_hits_total{fate=\"counted\",tenant=\"beta\"} 1.0"), text);
            assertTrue(text.contains("counter_tenant_hits_total{fate=\"counted\",tenant=\"_other\"} 3.0"), text);
            assertFalse(text.contains("tenant=\"gamma\""), text);
            assertFalse(text.contains("tenant=\"delta\""), text);
        }
    }
}
