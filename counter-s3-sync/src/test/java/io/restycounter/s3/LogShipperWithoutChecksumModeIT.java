package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 19: sync-logs and the daily schedule against a store without x-amz-checksum-mode, which
 * shipped nothing, ever. S3Proxy behind {@link ChecksumRefusingFront}, over real HTTP.
 */
class LogShipperWithoutChecksumModeIT {

    private static final String BUCKET = "hits";
    /** 2026-11-29 00:10 UTC: yesterday is 2026-11-28. */
    private static final Instant NOW = Instant.parse("2026-11-29T00:10:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String FILE = "2026-11-28-access.log";
    private static final String KEY = "logs/raw/year=2026/month=11/day=28/" + FILE;
    private static final String MD5_LINE = "uploads are checked with Content-MD5 and the object's ETag instead";
    private static final String SHA256_LINE = "uploads are checked with S3's SHA-256 checksums";

    @TempDir
    Path logDir;

    private S3ProxyServer store;
    private ChecksumRefusingFront front;
    /** Straight to S3Proxy, which does implement checksum mode. */
    private S3Client verifier;

    @BeforeEach
    void start() throws Exception {
        store = new S3ProxyServer();
        front = new ChecksumRefusingFront(store.port());
        verifier = client(settings(store.endpoint(), Map.of()));
        verifier.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterEach
    void stop() throws Exception {
        verifier.close();
        front.close();
        store.stop();
    }

    private S3Settings settings(String endpoint, Map<String, String> more) {
        Map<String, String> v = new HashMap<>(Map.of("AWS_PATH", BUCKET + "/logs/raw", "S3_ENDPOINT", endpoint,
                "LOG_DIR", logDir.toString(), "TIMEZONE", "UTC", "AWS_REGION", "us-east-1"));
        v.putAll(more);
        return S3Settings.from(Settings.of(v)).orElseThrow();
    }

    private static S3Client client(S3Settings s) {
        return LogShipper.newClient(s, StaticCredentialsProvider.create(
                AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)), Duration.ofSeconds(5));
    }

    private LogShipper shipper(String endpoint, Map<String, String> more) {
        S3Settings s = settings(endpoint, more);
        return new LogShipper(s, client(s), CLOCK);
    }

    private ShipReport shipThroughFront() {
        try (LogShipper shipper = shipper(front.endpoint(), Map.of())) {
            return shipper.shipClosed();
        }
    }

    private Path log(String name, String content) throws IOException {
        Path file = Files.writeString(logDir.resolve(name), content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(NOW.minus(Duration.ofMinutes(5))));
        return file;
    }

    private void unship(String name) throws IOException {
        Files.move(logDir.resolve("shipped").resolve(name), logDir.resolve(name));
        Files.setLastModifiedTime(logDir.resolve(name), FileTime.from(NOW.minus(Duration.ofMinutes(5))));
    }

    private static String lines(String counter, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"ts\":\"2026-11-28T10:00:00.").append(String.format("%03d", i % 1000))
                    .append("Z\",\"tenant\":\"acme\",\"counter\":\"").append(counter).append("\",\"inc\":1,\"status\":200}\n");
        }
        return b.toString();
    }

    private List<String> keys() {
        return verifier.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key).sorted().toList();
    }

    private static String md5Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    @Test
    void shipsWithContentMd5AndMovesTheFileAfterTheEtagMatches() throws Exception {
        String content = lines("home", 500);
        Path file = log(FILE, content);

        ShipReport report = shipThroughFront();

        assertEquals(List.of(FILE), report.shipped(), report.failed().toString());
        assertTrue(report.ok());
        assertTrue(front.refused() > 0, "checksum mode was asked for and refused");
        assertTrue(front.uploads() > 0, "uploaded through the front");
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of(KEY), keys());
        assertArrayEquals(bytes, verifier.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asByteArray());
        assertEquals(md5Hex(bytes), verifier.headObject(b -> b.bucket(BUCKET).key(KEY)).eTag().replace("\"", ""));
        assertFalse(Files.exists(file));
        assertArrayEquals(bytes, Files.readAllBytes(logDir.resolve("shipped").resolve(FILE)));
    }

    @Test
    void anEtagThatDoesNotMatchKeepsTheFileAndTheNextRunFindsTheObject() throws Exception {
        Path file = log(FILE, lines("home", 50));
        front.answerHeadsWithEtag("\"0123456789abcdef0123456789abcdef\"");

        ShipReport unconfirmed = shipThroughFront();

        assertEquals(1, unconfirmed.failed().size());
        assertTrue(unconfirmed.failed().get(0).reason().contains("did not confirm the upload"),
                unconfirmed.failed().get(0).reason());
        assertTrue(unconfirmed.shipped().isEmpty());
        assertTrue(Files.exists(file));
        assertFalse(Files.exists(logDir.resolve("shipped").resolve(FILE)));
        int uploads = front.uploads();

        front.answerHeadsWithEtag(null);
        ShipReport again = shipThroughFront();

        assertEquals(List.of(FILE), again.alreadyPresent());
        assertEquals(uploads, front.uploads(), "not uploaded again");
        assertFalse(Files.exists(file));
    }

    @Test
    void aSecondRunFindsTheGzipObjectPresentAndDoesNotUploadAgain() throws Exception {
        log(FILE, lines("home", 3000));
        try (LogShipper shipper = shipper(front.endpoint(), Map.of("S3_GZIP", "true"))) {
            assertEquals(List.of(FILE), shipper.shipClosed().shipped());
            assertEquals(List.of(KEY + ".gz"), keys());
            unship(FILE);
            int uploads = front.uploads();

            ShipReport again = shipper.shipClosed();

            assertEquals(List.of(), again.shipped());
            assertEquals(List.of(FILE), again.alreadyPresent());
            assertEquals(uploads, front.uploads(), "not uploaded again");
        }
        assertTrue(Files.exists(logDir.resolve("shipped").resolve(FILE)));
    }

    @Test
    void aDifferentObjectUnderTheKeyIsAConflictAndStays() throws Exception {
        // Same length as ours, one letter apart: only the ETag tells them apart.
        byte[] theirs = lines("hame", 5).getBytes(StandardCharsets.UTF_8);
        verifier.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromBytes(theirs));
        Path file = log(FILE, lines("home", 5));

        ShipReport report = shipThroughFront();

        assertEquals(List.of(FILE), report.conflicts());
        assertTrue(report.shipped().isEmpty() && report.alreadyPresent().isEmpty() && report.failed().isEmpty());
        assertEquals(0, front.uploads());
        assertArrayEquals(theirs, verifier.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asByteArray());
        assertTrue(Files.exists(file));
        assertFalse(Files.exists(logDir.resolve("shipped").resolve(FILE)));
    }

    @Test
    void theLogSaysOnceWhichCheckIsUsed() throws Exception {
        log("2026-11-27-access.log", lines("a", 3));
        log(FILE, lines("b", 4));
        String withoutChecksumMode;
        try (LogShipper shipper = shipper(front.endpoint(), Map.of())) {
            withoutChecksumMode = stderrOf(() -> {
                assertEquals(2, shipper.shipClosed().shipped().size());
                unship(FILE);
                assertEquals(List.of(FILE), shipper.shipClosed().alreadyPresent());
            });
        }
        assertEquals(1, count(withoutChecksumMode, MD5_LINE), withoutChecksumMode);
        assertEquals(0, count(withoutChecksumMode, SHA256_LINE), withoutChecksumMode);

        unship(FILE);
        verifier.deleteObject(b -> b.bucket(BUCKET).key(KEY));
        log("2026-11-26-access.log", lines("c", 2));
        String withChecksumMode;
        try (LogShipper shipper = shipper(store.endpoint(), Map.of())) {
            withChecksumMode = stderrOf(() -> assertEquals(2, shipper.shipClosed().shipped().size()));
        }
        assertEquals(1, count(withChecksumMode, SHA256_LINE), withChecksumMode);
        assertEquals(0, count(withChecksumMode, MD5_LINE), withChecksumMode);
    }

    @ParameterizedTest
    @EnumSource(value = ChecksumRefusingFront.Behaviour.class, names = {"REFUSES_UPLOAD_CHECKSUMS", "IGNORES_CHECKSUMS"})
    void aStoreThatTakesChecksumModeButRefusesOrForgetsTheChecksumIsCheckedByEtag(ChecksumRefusingFront.Behaviour behaviour)
            throws Exception {
        try (ChecksumRefusingFront other = new ChecksumRefusingFront(store.port(), behaviour);
             LogShipper shipper = shipper(other.endpoint(), Map.of())) {
            Path file = log(FILE, lines("home", 30));
            String logged = stderrOf(() -> {
                assertEquals(List.of(FILE), shipper.shipClosed().shipped());
                unship(FILE);
                assertEquals(List.of(FILE), shipper.shipClosed().alreadyPresent());
            });
            assertEquals(1, count(logged, MD5_LINE), logged);
            assertEquals(0, count(logged, SHA256_LINE), logged);
            assertEquals(LogShipper.Check.MD5_ETAG, shipper.check());
            assertFalse(Files.exists(file));
            byte[] bytes = lines("home", 30).getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(bytes, verifier.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asByteArray());
        }
    }

    @Test
    void theDailyScheduleShipsThroughAStoreWithoutChecksumMode() throws Exception {
        Path file = log(FILE, lines("home", 20));
        DailyShipSchedule schedule = new DailyShipSchedule(shipper(front.endpoint(), Map.of()), CLOCK);
        try {
            schedule.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (schedule.lastReport() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            schedule.stop();
        }
        assertNotNull(schedule.lastReport(), "the pass at start ran");
        assertEquals(List.of(FILE), schedule.lastReport().shipped(), schedule.lastReport().failed().toString());
        assertFalse(Files.exists(file));
        assertEquals(List.of(KEY), keys());
    }

    private interface Body {
        void run() throws Exception;
    }

    /** What the shipper logged (slf4j-simple writes to the current System.err) while {@code body} ran. */
    private static String stderrOf(Body body) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
