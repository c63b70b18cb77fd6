package io.restycounter.app;

import io.restycounter.app.tls.CertificateManager;
import io.restycounter.app.tls.CertifiedKey;
import io.restycounter.core.MutableClock;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Automatic HTTPS against Pebble: certificates are really ordered, HTTP-01 answers really fetched by
 * Pebble's validator from the app's HTTP port, and checked through real TLS handshakes with SNI.
 */
class AcmeHttpsIT {

    private static final String ALLOWED = "pi\\.example\\.com|[a-z0-9]+\\.test\\.example";

    @TempDir
    static Path pebbleDir;
    private static Pebble pebble;
    private static int httpPort;
    private static X509Certificate pebbleRoot;

    @TempDir
    Path dir;
    private final List<TestServer> apps = new ArrayList<>();

    @BeforeAll
    static void startPebble() throws Exception {
        httpPort = Pebble.freePort();
        pebble = Pebble.start(pebbleDir, httpPort);
        pebbleRoot = pebble.root();
    }

    @AfterAll
    static void stopPebble() {
        if (pebble != null) {
            pebble.close();
        }
    }

    @AfterEach
    void stopApps() {
        apps.forEach(TestServer::close);
    }

    private TestServer app(MutableClock clock, String... extra) throws Exception {
        List<String> s = new ArrayList<>(List.of("HTTP_PORT", String.valueOf(httpPort), "HTTPS_PORT", "0",
                "ALLOWED_DOMAINS", ALLOWED, "ACME_DIRECTORY", pebble.directory(),
                "ACME_TRUSTED_CERTS", pebble.caFile().toString(), "ACME_EMAIL", "ops@example.com",
                "CERT_DIR", dir.resolve("certs").toString()));
        s.addAll(List.of(extra));
        TestServer app = TestServer.start(dir.resolve("logs"), clock, s.toArray(new String[0]));
        apps.add(app);
        return app;
    }

    private static MutableClock now() {
        return new MutableClock(Instant.now());
    }

    private static CertificateManager certificates(TestServer app) {
        return app.server().certificates();
    }

    @Test
    void firstHandshakeForAnAllowedHostGetsACertificateIssuedByPebble() throws Exception {
        TestServer app = app(now());

        X509Certificate[] chain = handshake(app, "pi.example.com");

        assertIssuedByPebble(chain, "pi.example.com");
        assertEquals(1, certificates(app).ordersPlaced());
        X509Certificate[] again = handshake(app, "PI.example.com");
        assertEquals(chain[0].getSerialNumber(), again[0].getSerialNumber());
        assertEquals(1, certificates(app).ordersPlaced());
        String response = httpsGet(app, "pi.example.com", "/robots.txt");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.contains("Disallow: /"), response);
        assertEquals(404, app.get("/.well-known/acme-challenge/no-such-token").statusCode());

        Path certs = dir.resolve("certs");
        for (String key : List.of("account.key", "pi.example.com.key", "fallback.key")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve(key))),
                    key);
        }
        assertTrue(Files.readString(certs.resolve("pi.example.com.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
        try (var files = Files.list(certs)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void disallowedHostsAndHandshakesWithoutSniGetTheFallbackAndNoOrder() throws Exception {
        TestServer app = app(now());

        X509Certificate[] noSni = handshake(app, null);
        X509Certificate[] suffix = handshake(app, "pi.example.com.attacker.net");
        X509Certificate[] prefix = handshake(app, "evil-pi.example.com");
        X509Certificate[] other = handshake(app, "example.org");

        X509Certificate fallback = noSni[0];
        assertEquals("CN=resty-counter fallback certificate", fallback.getSubjectX500Principal().getName());
        for (X509Certificate[] c : List.of(suffix, prefix, other)) {
            assertEquals(fallback, c[0]);
        }
        assertEquals(0, certificates(app).ordersPlaced());
        assertTrue(Files.exists(dir.resolve("certs/fallback.crt")));
        assertTrue(!Files.exists(dir.resolve("certs/example.org.crt")));

        TestServer restarted = restart(app);
        assertEquals(fallback, handshake(restarted, "example.org")[0], "the fallback is made once and kept");
    }

    @Test
    void concurrentFirstHandshakesShareOneOrder() throws Exception {
        TestServer app = app(now());
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<X509Certificate[]>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit((Callable<X509Certificate[]>) () -> {
                    go.await();
                    return handshake(app, "burst.test.example");
                }));
            }
            go.countDown();
            Set<java.math.BigInteger> serials = new HashSet<>();
            for (Future<X509Certificate[]> f : results) {
                X509Certificate[] chain = f.get(60, TimeUnit.SECONDS);
                assertIssuedByPebble(chain, "burst.test.example");
                serials.add(chain[0].getSerialNumber());
            }
            assertEquals(1, serials.size());
            assertEquals(1, certificates(app).ordersPlaced());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRestartServesTheStoredCertificateWithoutANewOrder() throws Exception {
        TestServer app = app(now());
        X509Certificate first = handshake(app, "keep.test.example")[0];
        assertEquals(1, certificates(app).ordersPlaced());

        TestServer restarted = restart(app);

        assertEquals(first, handshake(restarted, "keep.test.example")[0]);
        assertEquals(0, certificates(restarted).ordersPlaced());
        assertEquals(List.of(), certificates(restarted).renewDue());
    }

    @Test
    void renewalReplacesACertificateAboutToExpireWithoutARestart() throws Exception {
        MutableClock clock = now();
        TestServer app = app(clock);
        X509Certificate old = handshake(app, "renew.test.example")[0];
        assertEquals(List.of(), certificates(app).renewDue(), "not due yet");

        clock.set(old.getNotAfter().toInstant().minus(Duration.ofDays(29)));
        List<CompletableFuture<CertifiedKey>> renewals = certificates(app).renewDue();
        assertEquals(1, renewals.size());
        renewals.get(0).get(60, TimeUnit.SECONDS);

        X509Certificate[] renewed = handshake(app, "renew.test.example");
        assertIssuedByPebble(renewed, "renew.test.example");
        assertNotEquals(old.getSerialNumber(), renewed[0].getSerialNumber());
        assertEquals(2, certificates(app).ordersPlaced());
        clock.set(renewed[0].getNotAfter().toInstant().minus(Duration.ofDays(31)));
        assertEquals(List.of(), certificates(app).renewDue(), "renewed: due again 30 days before its own expiry");

        TestServer restarted = restart(app);
        assertEquals(renewed[0], handshake(restarted, "renew.test.example")[0], "the renewal was stored");
    }

    @Test
    void aFailedOrderServesTheFallbackAndCoolsDown() throws Exception {
        pebble.resolve("down.test.example", "127.0.0.2");
        TestServer app = app(now());

        X509Certificate first = handshake(app, "down.test.example")[0];
        X509Certificate second = handshake(app, "down.test.example")[0];

        assertEquals("CN=resty-counter fallback certificate", first.getSubjectX500Principal().getName());
        assertEquals(first, second);
        assertEquals(1, certificates(app).ordersPlaced(), "no new order while cooling down");
    }

    @Test
    void aFailedRenewalKeepsTheCurrentCertificateServing() throws Exception {
        MutableClock clock = now();
        TestServer app = app(clock);
        X509Certificate current = handshake(app, "stay.test.example")[0];
        pebble.resolve("stay.test.example", "127.0.0.2");

        clock.set(current.getNotAfter().toInstant().minus(Duration.ofDays(29)));
        List<CompletableFuture<CertifiedKey>> renewals = certificates(app).renewDue();
        assertEquals(1, renewals.size());
        assertThrows(java.util.concurrent.ExecutionException.class, () -> renewals.get(0).get(60, TimeUnit.SECONDS));

        assertEquals(current, handshake(app, "stay.test.example")[0]);
        assertEquals(List.of(), certificates(app).renewDue(), "backing off after the failure");
        assertEquals(2, certificates(app).ordersPlaced());
    }

    @Test
    void ordersPerHourAreBounded() throws Exception {
        TestServer app = app(now(), "ACME_MAX_ORDERS_PER_HOUR", "1");
        assertIssuedByPebble(handshake(app, "one.test.example"), "one.test.example");

        X509Certificate second = handshake(app, "two.test.example")[0];

        assertEquals("CN=resty-counter fallback certificate", second.getSubjectX500Principal().getName());
        assertEquals(1, certificates(app).ordersPlaced());
    }

    @Test
    void acmeDomainsAreOrderedAtStart() throws Exception {
        TestServer app = app(now(), "ACME_DOMAINS", "ahead.example.org");
        Path crt = dir.resolve("certs/ahead.example.org.crt");
        Instant deadline = Instant.now().plusSeconds(60);
        while (!Files.exists(crt) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(crt), "ACME_DOMAINS ordered at start:\n" + pebble.output());
        assertIssuedByPebble(handshake(app, "ahead.example.org"), "ahead.example.org");
        assertEquals(1, certificates(app).ordersPlaced());
    }

    @Test
    void theAdminPortTellsTheDaysToEachCertificatesExpiry() throws Exception {
        MutableClock clock = now();
        TestServer app = app(clock, "ADMIN_PORT", "0");
        X509Certificate leaf = handshake(app, "days.test.example")[0];
        double days = Duration.between(clock.instant(), leaf.getNotAfter().toInstant()).toSeconds() / 86_400.0;

        String metrics = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + app.server().adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String line = metrics.lines().filter(l -> l.startsWith("counter_certificate_expiry_days{host=\"days.test.example\"}"))
                .findFirst().orElseThrow(() -> new AssertionError(metrics));
        assertEquals(days, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), 0.01);
    }

    @Test
    void httpsIsOffWithoutHttpsPort() throws Exception {
        TestServer app = TestServer.start(dir.resolve("logs"), now(), "ALLOWED_DOMAINS", ALLOWED);
        apps.add(app);
        assertEquals(-1, app.server().httpsPort());
        assertEquals(null, certificates(app));
        assertEquals(404, app.get("/.well-known/acme-challenge/x").statusCode());
    }

    @Test
    void aBadAcmeSettingStopsStartWithALineNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> app(now(), "ALLOWED_DOMAINS", "pi.(example"));
        assertTrue(e.getMessage().contains("ALLOWED_DOMAINS: expected a regular expression"), e.getMessage());
    }

    private TestServer restart(TestServer app) throws Exception {
        app.close();
        apps.remove(app);
        return app(now());
    }

    private static void assertIssuedByPebble(X509Certificate[] chain, String host) throws Exception {
        assertTrue(chain.length >= 2, "leaf and Pebble's intermediate");
        assertTrue(dnsNames(chain[0]).contains(host), host + " in " + dnsNames(chain[0]));
        for (int i = 0; i + 1 < chain.length; i++) {
            chain[i].verify(chain[i + 1].getPublicKey());
        }
        X509Certificate top = chain[chain.length - 1];
        assertEquals(pebbleRoot.getSubjectX500Principal(), top.getIssuerX500Principal());
        top.verify(pebbleRoot.getPublicKey());
    }

    private static List<String> dnsNames(X509Certificate c) throws CertificateParsingException {
        List<String> out = new ArrayList<>();
        Collection<List<?>> names = c.getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> n : names) {
                if (Integer.valueOf(2).equals(n.get(0))) {
                    out.add((String) n.get(1));
                }
            }
        }
        return out;
    }

    /** A real TLS handshake with the given SNI host name (null: none), answering the served chain. */
    static X509Certificate[] handshake(TestServer app, String sni) throws Exception {
        try (SSLSocket s = socket(app, sni)) {
            s.startHandshake();
            var peer = s.getSession().getPeerCertificates();
            X509Certificate[] out = new X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
                out[i] = (X509Certificate) peer[i];
            }
            return out;
        }
    }

    private static String httpsGet(TestServer app, String host, String path) throws Exception {
        try (SSLSocket s = socket(app, host)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static SSLSocket socket(TestServer app, String sni) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustAll()}, null);
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                app.server().httpsPort());
        s.setSoTimeout(60_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        assertNotNull(s);
        return s;
    }

    /** The test inspects the chain itself, against Pebble's root. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
