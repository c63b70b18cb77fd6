package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/** The ship schedule as a {@link io.restycounter.core.Lifecycle}, shipping to S3Proxy. */
class DailyShipScheduleIT {

    private static final String THREAD = "s3-log-shipper";

    @TempDir
    Path logDir;

    private S3ProxyServer proxy;

    @BeforeEach
    void startS3() throws Exception {
        proxy = new S3ProxyServer();
    }

    @AfterEach
    void stopS3() throws Exception {
        proxy.stop();
    }

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(THREAD)).count();
    }

    private DailyShipSchedule schedule() {
        S3Settings s = S3Settings.from(Settings.of(Map.of("AWS_PATH", "hits/logs/raw", "S3_ENDPOINT", proxy.endpoint(),
                "LOG_DIR", logDir.toString(), "TIMEZONE", "UTC", "AWS_REGION", "us-east-1"))).orElseThrow();
        S3Client client = LogShipper.newClient(s, StaticCredentialsProvider.create(
                AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)), Duration.ofSeconds(2));
        Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);
        return new DailyShipSchedule(new LogShipper(s, client, clock), clock);
    }

    @Test
    void startTwiceIsOneThreadAndOnePassAndStopLeavesNone() throws Exception {
        long before = threads();
        DailyShipSchedule schedule = schedule();
        schedule.start();
        schedule.start();
        assertEquals(before + 1, threads());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (schedule.lastReport() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertNotNull(schedule.lastReport(), "the pass at start ran");
        schedule.stop();
        schedule.stop();
        schedule.close();
        // The executor has terminated; its worker may take a moment to leave run().
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (threads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, threads());
    }

    @Test
    void stopBeforeStartIsFine() {
        long before = threads();
        DailyShipSchedule schedule = schedule();
        schedule.stop();
        schedule.stop();
        assertEquals(before, threads());
        assertTrue(schedule.lastReport() == null);
    }
}
