package io.restycounter.core.geoip;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import io.restycounter.core.MmdbWriter;
import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GeoIpUpdater against a local server speaking the GeoIP Update protocol. */
class GeoIpUpdaterIT {

    private static final String ACCOUNT = "42";
    private static final String KEY = "s3cret-license-key";
    private static final InetAddress LONDON = MaxMindGeoIpTest.ip("81.2.69.142");

    @TempDir
    Path dir;

    private final byte[] oldDb = MaxMindGeoIpTest.cityDb(24, "GB").build();
    private final byte[] newDb = MaxMindGeoIpTest.cityDb(28, "FR").build();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Responder responder;
    private HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Request(String path, String query, String authorization) {
    }

    interface Responder {
        void respond(HttpExchange exchange, Request request) throws IOException;
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Request r = new Request(exchange.getRequestURI().getPath(), exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization"));
            requests.add(r);
            try {
                responder.respond(exchange, r);
            } finally {
                exchange.close();
            }
        });
        server.start();
        responder = serving(newDb, "GeoLite2-City");
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private GeoIpSettings settings(String... more) {
        Map<String, String> m = new HashMap<>();
        m.put("GEOIP_DIR", dir.toString());
        m.put("MAXMIND_ACCOUNT_ID", ACCOUNT);
        m.put("MAXMIND_LICENSE_KEY", KEY);
        m.put("GEOIP_UPDATE_URL", baseUrl() + "/");
        for (int i = 0; i < more.length; i += 2) {
            m.put(more[i], more[i + 1]);
        }
        return GeoIpSettings.from(Settings.of(m));
    }

    private GeoIpUpdater updater(GeoIpSettings s, GeoIp served) {
        return new GeoIpUpdater(s, served, http, GeoIpUpdater.Schedule.WEEKLY);
    }

    private Path installOld() throws IOException {
        return Files.write(dir.resolve("GeoLite2-City.mmdb"), oldDb);
    }

    /** The protocol as MaxMind speaks it: 304 for the current MD5, else the gzipped database. */
    private static Responder serving(byte[] db, String edition) {
        return (exchange, r) -> {
            if (!r.path().equals("/geoip/databases/" + edition + "/update")) {
                send(exchange, 404, Map.of(), "no such edition".getBytes(StandardCharsets.UTF_8));
            } else if (r.query().equals("db_md5=" + md5(db))) {
                send(exchange, 304, Map.of(), null);
            } else {
                send(exchange, 200, Map.of("X-Database-MD5", md5(db)), gzip(db));
            }
        };
    }

    static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    static String md5(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsChecksAndServesANewDatabase() throws Exception {
        Path file = installOld();
        try (MaxMindGeoIp served = MaxMindGeoIp.open(file)) {
            GeoIpUpdater.Result result = updater(settings(), served).runOnce();

            assertEquals(GeoIpUpdater.Outcome.UPDATED, result.outcome("GeoLite2-City"), result.toString());
            assertTrue(result.ok() && result.updated());
            assertArrayEquals(newDb, Files.readAllBytes(file));
            assertEquals("FR", served.lookup(LONDON).orElseThrow().country());
            assertEquals(List.of("GeoLite2-City.mmdb"), filesInDir());

            Request r = requests.get(0);
            assertEquals("/geoip/databases/GeoLite2-City/update", r.path());
            assertEquals("db_md5=" + md5(oldDb), r.query());
            String basic = Base64.getEncoder().encodeToString((ACCOUNT + ":" + KEY).getBytes(StandardCharsets.UTF_8));
            assertEquals("Basic " + basic, r.authorization());
        }
    }

    @Test
    void secondRunSendsTheNewMd5AndFindsItUpToDate() throws Exception {
        Path file = installOld();
        try (MaxMindGeoIp served = MaxMindGeoIp.open(file)) {
            GeoIpUpdater updater = updater(settings(), served);
            assertEquals(GeoIpUpdater.Outcome.UPDATED, updater.runOnce().outcome("GeoLite2-City"));
            GeoIpUpdater.Result second = updater.runOnce();
            assertEquals(GeoIpUpdater.Outcome.UP_TO_DATE, second.outcome("GeoLite2-City"));
            assertTrue(second.ok());
            assertFalse(second.updated());
            assertEquals("db_md5=" + md5(newDb), requests.get(1).query());
            assertEquals(second, updater.lastResult());
        }
    }

    /** Every way a download can go wrong; each keeps the old database in service and leaves no file behind. */
    enum Failure {
        NOT_MODIFIED(GeoIpUpdater.Outcome.UP_TO_DATE, "up to date",
                (ex, r) -> send(ex, 304, Map.of(), null)),
        UNAUTHORIZED(GeoIpUpdater.Outcome.UNAUTHORIZED, "MAXMIND_ACCOUNT_ID or MAXMIND_LICENSE_KEY is wrong",
                (ex, r) -> send(ex, 401, Map.of(), "Invalid account ID or license key".getBytes(StandardCharsets.UTF_8))),
        SERVER_ERROR(GeoIpUpdater.Outcome.FAILED, "HTTP 500: try again later",
                (ex, r) -> send(ex, 500, Map.of(), "try again\nlater".getBytes(StandardCharsets.UTF_8))),
        TRUNCATED_GZIP(GeoIpUpdater.Outcome.FAILED, "not a complete gzip stream", (ex, r) -> {
            byte[] db = MaxMindGeoIpTest.cityDb(28, "FR").build();
            byte[] full = gzip(db);
            send(ex, 200, Map.of("X-Database-MD5", md5(db)), java.util.Arrays.copyOf(full, full.length / 2));
        }),
        NOT_GZIP(GeoIpUpdater.Outcome.FAILED, "not a complete gzip stream", (ex, r) -> {
            byte[] db = MaxMindGeoIpTest.cityDb(28, "FR").build();
            send(ex, 200, Map.of("X-Database-MD5", md5(db)), db);
        }),
        WRONG_MD5(GeoIpUpdater.Outcome.FAILED, "MD5 mismatch", (ex, r) -> {
            byte[] db = MaxMindGeoIpTest.cityDb(28, "FR").build();
            send(ex, 200, Map.of("X-Database-MD5", md5(new byte[] {1})), gzip(db));
        }),
        NO_MD5(GeoIpUpdater.Outcome.FAILED, "no X-Database-MD5",
                (ex, r) -> send(ex, 200, Map.of(), gzip(MaxMindGeoIpTest.cityDb(28, "FR").build()))),
        CORRUPT_DATABASE(GeoIpUpdater.Outcome.FAILED, "not a valid MaxMind database", (ex, r) -> {
            byte[] corrupt = MaxMindGeoIpTest.cityDb(28, "FR").build();
            // Keep the metadata, scramble the search tree and the data: the file opens but cannot be read.
            int metadata = corrupt.length - 400;
            for (int i = 0; i < metadata; i++) {
                corrupt[i] = (byte) (0xFF - i);
            }
            send(ex, 200, Map.of("X-Database-MD5", md5(corrupt)), gzip(corrupt));
        }),
        NOT_A_DATABASE(GeoIpUpdater.Outcome.FAILED, "not a valid MaxMind database", (ex, r) -> {
            byte[] junk = "<html>maintenance</html>".getBytes(StandardCharsets.UTF_8);
            send(ex, 200, Map.of("X-Database-MD5", md5(junk)), gzip(junk));
        }),
        WRONG_TYPE(GeoIpUpdater.Outcome.FAILED, "wrong database type: expected GeoLite2-City, got GeoLite2-Country",
                (ex, r) -> {
                    byte[] country = new MmdbWriter("GeoLite2-Country", 24)
                            .insert("81.2.69.0/24", MmdbWriter.country("FR", 3_017_382L, "France")).build();
                    send(ex, 200, Map.of("X-Database-MD5", md5(country)), gzip(country));
                });

        final GeoIpUpdater.Outcome outcome;
        final String message;
        final Responder responder;

        Failure(GeoIpUpdater.Outcome outcome, String message, Responder responder) {
            this.outcome = outcome;
            this.message = message;
            this.responder = responder;
        }
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void aFailedUpdateKeepsTheCurrentDatabase(Failure failure) throws Exception {
        Path file = installOld();
        responder = failure.responder;
        try (MaxMindGeoIp served = MaxMindGeoIp.open(file)) {
            GeoIpUpdater.Result result = updater(settings(), served).runOnce();

            GeoIpUpdater.EditionResult r = result.editions().get(0);
            assertEquals(failure.outcome, r.outcome(), r.toString());
            assertTrue(r.message().contains(failure.message), r.message());
            assertFalse(r.message().contains(KEY));
            assertEquals(failure == Failure.NOT_MODIFIED, result.ok());
            assertFalse(result.updated());
            assertArrayEquals(oldDb, Files.readAllBytes(file));
            assertEquals("GB", served.lookup(LONDON).orElseThrow().country());
            assertEquals(List.of("GeoLite2-City.mmdb"), filesInDir());
        }
    }

    @Test
    void firstDownloadIntoAnEmptyDirectoryGoesIntoService() throws Exception {
        GeoIpSettings s = settings();
        GeoIp served = GeoIpFactory.open(s);
        try {
            MaxMindGeoIp geo = assertInstanceOf(MaxMindGeoIp.class, served);
            assertTrue(geo.lookup(LONDON).isEmpty());
            assertTrue(updater(s, served).runOnce().updated());
            assertEquals("db_md5=" + GeoIpUpdater.NO_DATABASE_MD5, requests.get(0).query());
            assertEquals("FR", served.lookup(LONDON).orElseThrow().country());
        } finally {
            served.close();
        }
    }

    @Test
    void updatesEveryEditionAndReloadsOnlyTheServedOne() throws Exception {
        byte[] countryDb = new MmdbWriter("GeoLite2-Country", 24)
                .insert("81.2.69.0/24", MmdbWriter.country("IE", 2_963_597L, "Ireland")).build();
        Responder city = serving(newDb, "GeoLite2-City");
        Responder country = serving(countryDb, "GeoLite2-Country");
        responder = (ex, r) -> (r.path().contains("Country") ? country : city).respond(ex, r);
        installOld();
        GeoIpSettings s = settings("GEOIP_EDITIONS", "GeoLite2-City, GeoLite2-Country");
        try (GeoIp served = GeoIpFactory.open(s)) {
            GeoIpUpdater.Result result = updater(s, served).runOnce();
            assertEquals(2, result.editions().size());
            assertTrue(result.ok(), result.toString());
            assertArrayEquals(countryDb, Files.readAllBytes(dir.resolve("GeoLite2-Country.mmdb")));
            assertEquals(new Geo("FR", "ENG", "London", "EC1A", 51.5142, -0.0931), served.lookup(LONDON).orElseThrow());
        }
    }

    @Test
    void redirectsKeepTheCredentialsOnTheUpdateHost() throws Exception {
        HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> storageAuth = new ArrayList<>();
        storage.createContext("/", ex -> {
            storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            send(ex, 200, Map.of("X-Database-MD5", md5(newDb)), gzip(newDb));
            ex.close();
        });
        storage.start();
        try {
            String elsewhere = "http://localhost:" + storage.getAddress().getPort() + "/blob?sig=1";
            responder = (ex, r) -> {
                if (r.path().endsWith("/update")) {
                    send(ex, 302, Map.of("Location", "/moved?x=1"), null);
                } else {
                    send(ex, 307, Map.of("Location", elsewhere), null);
                }
            };
            Path file = installOld();
            try (MaxMindGeoIp served = MaxMindGeoIp.open(file)) {
                assertTrue(updater(settings(), served).runOnce().updated());
                assertEquals("FR", served.lookup(LONDON).orElseThrow().country());
            }
            assertEquals("/moved", requests.get(1).path());
            assertTrue(requests.get(1).authorization().startsWith("Basic "));
            assertEquals(List.of("null"), storageAuth);
        } finally {
            storage.stop(0);
        }
    }

    @Test
    void scheduleRetriesWithBackOffUntilASuccess() throws Exception {
        Path file = installOld();
        Responder ok = serving(newDb, "GeoLite2-City");
        responder = (ex, r) -> {
            if (requests.size() <= 2) {
                send(ex, 500, Map.of(), null);
            } else {
                ok.respond(ex, r);
            }
        };
        GeoIpUpdater.Schedule fast = new GeoIpUpdater.Schedule(Duration.ZERO, Duration.ofDays(1),
                Duration.ofMillis(20), Duration.ofMillis(40));
        try (MaxMindGeoIp served = MaxMindGeoIp.open(file);
             GeoIpUpdater updater = new GeoIpUpdater(settings(), served, http, fast)) {
            assertNull(updater.lastResult());
            updater.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!"FR".equals(served.lookup(LONDON).map(Geo::country).orElse(null)) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("FR", served.lookup(LONDON).orElseThrow().country());
            Thread.sleep(300);
            assertEquals(3, requests.size(), "two failures, one success, then nothing for a day");
            assertTrue(updater.lastResult().updated());
            updater.stop();
        }
    }

    private static long updaterThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("geoip-updater")).count();
    }

    /** Threads of a terminated executor may take a moment to leave run(). */
    private static long updaterThreadsSettled(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (updaterThreads() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return updaterThreads();
    }

    @Test
    void stopInterruptsABlockedCheckWithinItsBoundAndLeavesNoThread() throws Exception {
        CountDownLatch inRequest = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        responder = (ex, r) -> {
            inRequest.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // an update server that hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(ex, 304, Map.of(), null);
        };
        GeoIpUpdater.Schedule now = new GeoIpUpdater.Schedule(Duration.ZERO, Duration.ofDays(1),
                Duration.ofMinutes(1), Duration.ofMinutes(1));
        GeoIpUpdater updater = new GeoIpUpdater(settings(), GeoIp.none(), http, now);
        try {
            updater.stop(); // before start: nothing to stop
            long before = updaterThreads();
            updater.start();
            updater.start();
            assertEquals(before + 1, updaterThreads(), "one thread for two starts");
            assertTrue(inRequest.await(10, TimeUnit.SECONDS));
            long began = System.nanoTime();
            updater.stop();
            long took = System.nanoTime() - began;
            assertTrue(took < GeoIpUpdater.STOP_WAIT.toNanos(), "stop took " + Duration.ofNanos(took));
            assertEquals(before, updaterThreadsSettled(before), "the interrupted check ended with stop");
            updater.stop();
            updater.close();
            assertEquals(1, requests.size(), "one check for two starts");
        } finally {
            release.countDown();
        }
    }

    @Test
    void backOffDoublesUpToTheCap() {
        GeoIpUpdater.Schedule s = GeoIpUpdater.Schedule.WEEKLY;
        assertEquals(Duration.ofMinutes(1), s.retryAfter(1));
        assertEquals(Duration.ofMinutes(2), s.retryAfter(2));
        assertEquals(Duration.ofMinutes(4), s.retryAfter(3));
        assertEquals(Duration.ofMinutes(256), s.retryAfter(9));
        assertEquals(Duration.ofHours(6), s.retryAfter(10));
        assertEquals(Duration.ofHours(6), s.retryAfter(1000));
        assertEquals(Duration.ofDays(7), s.interval());
    }
}
