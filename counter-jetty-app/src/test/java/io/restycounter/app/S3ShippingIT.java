package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.s3.S3ProxyServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The jar ships yesterday's log to a real S3 protocol server: at start, and with the sync-logs command. */
class S3ShippingIT {

    @TempDir
    Path work;
    private S3ProxyServer s3;
    private S3Client client;
    private Path logDir;
    private String yesterday;
    private String key;
    private byte[] content;

    @BeforeEach
    void setUp() throws Exception {
        s3 = new S3ProxyServer();
        client = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build();
        client.createBucket(b -> b.bucket("hits"));
        logDir = Files.createDirectories(work.resolve("logs"));
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        yesterday = day + "-access.log";
        key = String.format("raw/year=%d/month=%02d/day=%02d/%s", day.getYear(), day.getMonthValue(),
                day.getDayOfMonth(), yesterday);
        content = ("{\"ts\":\"" + day + "T12:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1,\"status\":200}\n")
                .getBytes(StandardCharsets.UTF_8);
        Path file = logDir.resolve(yesterday);
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        s3.close();
    }

    private Map<String, String> env() {
        return Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY, "LOG_DIR", logDir.toString(),
                "AWS_PATH", "hits/raw", "S3_ENDPOINT", s3.endpoint(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
    }

    private byte[] object() {
        try {
            return client.getObjectAsBytes(b -> b.bucket("hits").key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    @Test
    void theServerShipsClosedLogsAtStart() throws Exception {
        try (AppProcess app = AppProcess.start(work, env())) {
            app.awaitPort();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (object() == null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertArrayEquals(content, object(), "the object holds the log's exact bytes");
            app.awaitLine(yesterday, 10);
            assertTrue(Files.exists(logDir.resolve("shipped").resolve(yesterday)), app.output());
            assertFalse(Files.exists(logDir.resolve(yesterday)));
            assertEquals(143, app.terminate(30));
        }
    }

    @Test
    void syncLogsShipsOnceAndExits() throws Exception {
        try (AppProcess app = AppProcess.start(work, env(), "sync-logs")) {
            assertTrue(app.process().waitFor(60, TimeUnit.SECONDS), app.output());
            assertEquals(0, app.process().exitValue(), app.output());
        }
        assertArrayEquals(content, object());
        assertTrue(Files.exists(logDir.resolve("shipped").resolve(yesterday)));
    }

    @Test
    void syncLogsFailsWithOneLineWhenS3IsDown() throws Exception {
        s3.stop();
        try (AppProcess app = AppProcess.start(work, env(), "sync-logs")) {
            assertTrue(app.process().waitFor(120, TimeUnit.SECONDS), app.output());
            assertEquals(1, app.process().exitValue(), app.output());
        } finally {
            s3.start();
        }
        assertTrue(Files.exists(logDir.resolve(yesterday)), "the file stays until S3 holds it");
    }
}
