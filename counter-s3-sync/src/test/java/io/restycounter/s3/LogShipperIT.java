package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** LogShipper against S3Proxy speaking the real S3 protocol over HTTP on a free port. */
class LogShipperIT {

    private static final String ACCESS = S3ProxyServer.ACCESS_KEY;
    private static final String SECRET = S3ProxyServer.SECRET_KEY;
    private static final String BUCKET = "hits";
    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    /** 2026-11-29 00:10 in Berlin: yesterday is 2026-11-28. */
    private static final Instant NOW = Instant.parse("2026-11-28T23:10:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZONE);

    @TempDir
    Path logDir;

    private S3ProxyServer proxy;
    private S3Client verifier;

    @BeforeEach
    void startS3() throws Exception {
        proxy = new S3ProxyServer();
        verifier = client(settings(endpoint(), Map.of()), SECRET);
        verifier.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterEach
    void stopS3() throws Exception {
        verifier.close();
        if (proxy != null) {
            proxy.stop();
        }
    }

    private String endpoint() {
        return proxy.endpoint();
    }

    private S3Settings settings(String endpoint, Map<String, String> more) {
        Map<String, String> v = new HashMap<>(Map.of("AWS_PATH", BUCKET + "/logs/raw", "S3_ENDPOINT", endpoint,
                "LOG_DIR", logDir.toString(), "TIMEZONE", ZONE.getId(), "AWS_REGION", "us-east-1"));
        v.putAll(more);
        return S3Settings.from(Settings.of(v)).orElseThrow();
    }

    private static S3Client client(S3Settings s, String secret) {
        return LogShipper.newClient(s, StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, secret)),
                Duration.ofSeconds(2));
    }

    private ShipReport ship(S3Settings s) {
        try (LogShipper shipper = new LogShipper(s, client(s, SECRET), CLOCK)) {
            return shipper.shipClosed();
        }
    }

    private ShipReport ship() {
        return ship(settings(endpoint(), Map.of()));
    }

    private Path log(String name, String content, Duration age) throws IOException {
        Path file = Files.writeString(logDir.resolve(name), content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(NOW.minus(age)));
        return file;
    }

    private static String lines(String counter, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"ts\":\"2026-11-28T10:00:00.").append(String.format("%03d", i % 1000))
                    .append("Z\",\"tenant\":\"acme\",\"counter\":\"").append(counter).append("\",\"inc\":1,\"status\":200}\n");
        }
        return b.toString();
    }

    private byte[] download(String key) {
        return verifier.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    private List<String> keys() {
        return verifier.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key).sorted().toList();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void todaysFileAndARecentlyWrittenFileStay() throws Exception {
        Path today = log("2026-11-29-access.log", lines("home", 3), Duration.ofHours(1));
        Path stillWriting = log("2026-11-28-access.log", lines("home", 3), Duration.ofSeconds(20));

        ShipReport report = ship();

        assertEquals(List.of("2026-11-28-access.log", "2026-11-29-access.log"), report.notClosed());
        assertTrue(report.shipped().isEmpty());
        assertEquals(List.of(), keys());
        assertTrue(Files.exists(today));
        assertTrue(Files.exists(stillWriting));
    }

    @Test
    void closedFileLandsAtItsPartitionKeyAndMovesToShipped() throws Exception {
        String content = lines("home", 500);
        Path file = log("2026-11-28-access.log", content, Duration.ofMinutes(2));
        log("notes.txt", "not a log", Duration.ofDays(3));

        ShipReport report = ship();

        String key = "logs/raw/year=2026/month=11/day=28/2026-11-28-access.log";
        assertEquals(List.of("2026-11-28-access.log"), report.shipped());
        assertTrue(report.ok());
        assertEquals(List.of(key), keys());
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(bytes, download(key));
        HeadObjectResponse head = verifier.headObject(b -> b.bucket(BUCKET).key(key).checksumMode(ChecksumMode.ENABLED));
        assertEquals(sha256(bytes), head.checksumSHA256());
        assertFalse(Files.exists(file));
        assertArrayEquals(bytes, Files.readAllBytes(logDir.resolve("shipped/2026-11-28-access.log")));
        assertTrue(Files.exists(logDir.resolve("notes.txt")));
    }

    @Test
    void rerunAfterACrashBeforeTheMoveSkipsTheUpload() throws Exception {
        String content = lines("home", 50);
        log("2026-11-28-access.log", content, Duration.ofMinutes(2));
        assertEquals(List.of("2026-11-28-access.log"), ship().shipped());
        Instant firstUpload = verifier.headObject(b -> b.bucket(BUCKET)
                .key("logs/raw/year=2026/month=11/day=28/2026-11-28-access.log")).lastModified();
        // As if the process died after S3 confirmed but before the local move.
        Files.move(logDir.resolve("shipped/2026-11-28-access.log"), logDir.resolve("2026-11-28-access.log"));
        Files.setLastModifiedTime(logDir.resolve("2026-11-28-access.log"), FileTime.from(NOW.minus(Duration.ofMinutes(2))));
        Thread.sleep(1100);

        ShipReport again = ship();

        assertEquals(List.of(), again.shipped());
        assertEquals(List.of("2026-11-28-access.log"), again.alreadyPresent());
        assertEquals(firstUpload, verifier.headObject(b -> b.bucket(BUCKET)
                .key("logs/raw/year=2026/month=11/day=28/2026-11-28-access.log")).lastModified(), "not uploaded again");
        assertFalse(Files.exists(logDir.resolve("2026-11-28-access.log")));
        assertTrue(Files.exists(logDir.resolve("shipped/2026-11-28-access.log")));
    }

    @Test
    void differentObjectUnderTheKeyIsNeverOverwritten() throws Exception {
        String key = "logs/raw/year=2026/month=11/day=28/2026-11-28-access.log";
        // Same length as ours, one letter apart, stored with its own SHA-256: only the checksum tells them apart.
        byte[] theirs = lines("hame", 5).getBytes(StandardCharsets.UTF_8);
        String theirSha = sha256(theirs);
        verifier.putObject(b -> b.bucket(BUCKET).key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256)
                .checksumSHA256(theirSha), RequestBody.fromBytes(theirs));
        Path file = log("2026-11-28-access.log", lines("home", 5), Duration.ofMinutes(2));

        ShipReport report = ship();

        assertEquals(List.of("2026-11-28-access.log"), report.conflicts());
        assertFalse(report.ok());
        assertTrue(report.shipped().isEmpty() && report.alreadyPresent().isEmpty());
        assertArrayEquals(theirs, download(key));
        assertTrue(Files.exists(file));
        assertFalse(Files.exists(logDir.resolve("shipped/2026-11-28-access.log")));
    }

    @Test
    void theStoreRejectsBytesThatDoNotMatchTheirChecksum() {
        byte[] body = "abc\n".getBytes(StandardCharsets.UTF_8);
        S3Exception e = assertThrows(S3Exception.class, () -> verifier.putObject(b -> b.bucket(BUCKET).key("x")
                .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                .checksumSHA256(Base64.getEncoder().encodeToString(new byte[32])), RequestBody.fromBytes(body)));
        assertEquals(400, e.statusCode());
        assertEquals(List.of(), keys());
    }

    @Test
    void wrongCredentialsFailAndTheNextRunCompletes() throws Exception {
        Path file = log("2026-11-28-access.log", lines("home", 5), Duration.ofMinutes(2));
        S3Settings s = settings(endpoint(), Map.of());
        ShipReport denied;
        try (LogShipper shipper = new LogShipper(s, client(s, "wrong-secret"), CLOCK)) {
            denied = shipper.shipClosed();
        }
        assertEquals(1, denied.failed().size());
        assertTrue(denied.failed().get(0).reason().contains("403"), denied.failed().get(0).reason());
        assertTrue(Files.exists(file));

        assertEquals(List.of("2026-11-28-access.log"), ship().shipped());
        assertFalse(Files.exists(file));
    }

    @Test
    void stoppedStoreFailsAndTheNextRunCompletes() throws Exception {
        Path file = log("2026-11-28-access.log", lines("home", 5), Duration.ofMinutes(2));
        String endpoint = endpoint();
        proxy.stop();

        ShipReport down = ship(settings(endpoint, Map.of()));
        assertEquals(1, down.failed().size());
        assertTrue(down.failed().get(0).reason().startsWith("S3 unreachable"), down.failed().get(0).reason());
        assertTrue(Files.exists(file));

        proxy.start();
        verifier.createBucket(b -> b.bucket(BUCKET));
        assertEquals(List.of("2026-11-28-access.log"), ship().shipped());
        assertFalse(Files.exists(file));
    }

    @Test
    void serverErrorsDroppedUploadsAndTimeoutsLeaveTheFile() throws Exception {
        String content = lines("home", 2000);
        Path file = log("2026-11-28-access.log", content, Duration.ofMinutes(2));
        for (FaultyServer.Mode mode : FaultyServer.Mode.values()) {
            try (FaultyServer bad = new FaultyServer(mode)) {
                ShipReport report = ship(settings(bad.endpoint(), Map.of()));
                assertEquals(1, report.failed().size(), mode.toString());
                assertTrue(report.shipped().isEmpty(), mode.toString());
                assertTrue(bad.requests() > 0, mode + " was asked");
                if (mode == FaultyServer.Mode.DROP_UPLOAD) {
                    assertTrue(bad.uploadsStarted() > 0, "an upload started and was cut");
                }
            }
            assertArrayEquals(content.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(file), mode.toString());
            assertFalse(Files.exists(logDir.resolve("shipped/2026-11-28-access.log")), mode.toString());
        }
        assertEquals(List.of(), keys());

        assertEquals(List.of("2026-11-28-access.log"), ship().shipped());
        assertArrayEquals(content.getBytes(StandardCharsets.UTF_8),
                download("logs/raw/year=2026/month=11/day=28/2026-11-28-access.log"));
    }

    @Test
    void gzipRoundTripsAndIsIdempotent() throws Exception {
        String content = lines("home", 3000);
        log("2026-11-28-access.log", content, Duration.ofMinutes(2));
        S3Settings s = settings(endpoint(), Map.of("S3_GZIP", "true"));

        assertEquals(List.of("2026-11-28-access.log"), ship(s).shipped());

        String key = "logs/raw/year=2026/month=11/day=28/2026-11-28-access.log.gz";
        assertEquals(List.of(key), keys());
        byte[] gz = download(key);
        assertTrue(gz.length < content.length() / 5, "compressed: " + gz.length);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(content.getBytes(StandardCharsets.UTF_8), in.readAllBytes());
        }
        assertEquals(sha256(gz), verifier.headObject(b -> b.bucket(BUCKET).key(key).checksumMode(ChecksumMode.ENABLED))
                .checksumSHA256());
        assertFalse(Files.exists(logDir.resolve(LogShipper.STAGING_DIR).resolve("2026-11-28-access.log.gz.tmp")));

        Files.move(logDir.resolve("shipped/2026-11-28-access.log"), logDir.resolve("2026-11-28-access.log"));
        Files.setLastModifiedTime(logDir.resolve("2026-11-28-access.log"), FileTime.from(NOW.minus(Duration.ofHours(1))));
        assertEquals(List.of("2026-11-28-access.log"), ship(s).alreadyPresent(), "same bytes again");
    }

    @Test
    void nodeIdsGiveDistinctKeys() throws Exception {
        String a = lines("from-a", 3);
        String b = lines("from-b", 4);
        log("2026-11-28-web-1-access.log", a, Duration.ofMinutes(2));
        log("2026-11-28-web-2-access.log", b, Duration.ofMinutes(2));
        log("2026-10-31-web-1-access.log", a, Duration.ofDays(28));

        ShipReport report = ship();

        assertEquals(3, report.shipped().size());
        assertEquals(List.of(
                "logs/raw/year=2026/month=10/day=31/2026-10-31-web-1-access.log",
                "logs/raw/year=2026/month=11/day=28/2026-11-28-web-1-access.log",
                "logs/raw/year=2026/month=11/day=28/2026-11-28-web-2-access.log"), keys());
        assertArrayEquals(a.getBytes(StandardCharsets.UTF_8), download("logs/raw/year=2026/month=11/day=28/2026-11-28-web-1-access.log"));
        assertArrayEquals(b.getBytes(StandardCharsets.UTF_8), download("logs/raw/year=2026/month=11/day=28/2026-11-28-web-2-access.log"));
        // LOG_RETAIN_DAYS 7: the October file went to shipped/ and then out.
        assertEquals(List.of("2026-10-31-web-1-access.log"), report.expired());
        assertFalse(Files.exists(logDir.resolve("shipped/2026-10-31-web-1-access.log")));
        assertTrue(Files.exists(logDir.resolve("shipped/2026-11-28-web-1-access.log")));
    }

    @Test
    void retentionKeepsRecentShippedFiles() throws Exception {
        Files.createDirectories(logDir.resolve("shipped"));
        Files.writeString(logDir.resolve("shipped/2026-11-22-access.log"), "x\n");
        Files.writeString(logDir.resolve("shipped/2026-11-21-access.log"), "x\n");

        ShipReport report = ship(settings(endpoint(), Map.of("LOG_RETAIN_DAYS", "7")));

        assertEquals(List.of("2026-11-21-access.log"), report.expired());
        assertTrue(Files.exists(logDir.resolve("shipped/2026-11-22-access.log")));
    }

    /** A tiny HTTP server that fails the way a broken S3 does. */
    static final class FaultyServer implements AutoCloseable {
        enum Mode { ANSWER_500, DROP_UPLOAD, SILENT }

        private final Mode mode;
        private final ServerSocket socket;
        private final Thread thread;
        private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger uploads = new java.util.concurrent.atomic.AtomicInteger();

        FaultyServer(Mode mode) throws IOException {
            this.mode = mode;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "faulty-s3-" + mode);
            thread.setDaemon(true);
            thread.start();
        }

        String endpoint() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        int requests() {
            return requests.get();
        }

        int uploadsStarted() {
            return uploads.get();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread t = new Thread(() -> handle(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void handle(Socket s) {
            try (s) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                String head = readHead(in);
                requests.incrementAndGet();
                switch (mode) {
                    case ANSWER_500 -> out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    case DROP_UPLOAD -> {
                        if (head.startsWith("HEAD")) {
                            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                        } else {
                            if (head.toLowerCase(java.util.Locale.ROOT).contains("expect: 100-continue")) {
                                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                            }
                            in.readNBytes(1000);
                            uploads.incrementAndGet();
                            s.setSoLinger(true, 0);
                        }
                    }
                    case SILENT -> Thread.sleep(5_000);
                }
                out.flush();
            } catch (IOException e) {
                // the client went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
