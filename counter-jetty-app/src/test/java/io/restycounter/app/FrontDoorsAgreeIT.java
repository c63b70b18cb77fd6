package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import io.restycounter.core.guard.PixelSigning;
import io.restycounter.core.report.DailyAggregation;
import io.restycounter.servlet.BadgeServlet;
import io.restycounter.servlet.HealthCheckServlet;
import io.restycounter.servlet.PixelServlet;
import io.restycounter.servlet.QueryServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two front doors, the servlets in a real servlet container and the Jetty app's core handler, get
 * the same requests in the same order and must give the same answers: status, every header but Date,
 * and body. The table walks the README's HTTP and Reporting tables.
 */
class FrontDoorsAgreeIT {

    private static final String KEY = TestServer.API_KEY;
    private static final String SECRET = "it-signing-secret-0123";
    private static final String ORIGIN = "https://app.example.com";
    /** HTTP/1.1 only: the app also speaks h2c, the servlet container here does not, and that is not the question. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private TestServer app;
    private CounterEngine servletEngine;
    private Server servletServer;

    /** A closed registry: the tenants the table uses, and one of each rule and quota. */
    private static final String TENANTS = """
            [acme]
            [signed]
            [ruled]
            counters = ["home", "blog-*"]
            [small]
            max-new-counters-per-day = 1
            [busy]
            max-hits-per-second = 2
            [own]
            redirect-hosts = ["own.example"]
            signing-secret = "own-signing-secret-0123"
            """;

    @BeforeEach
    void start() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tenants.toml"), TENANTS);
        String[] settings = {"REDIRECT_ALLOWED", "(www\\.)?example\\.com", "MAX_INCREMENT", "50",
            "SIGNING_KEYS", "signed:" + SECRET, "RATE_LIMIT", "1", "RATE_BURST", "20",
            "TRUSTED_PROXIES", "127.0.0.1/32", "CORS_ORIGINS", ORIGIN, "PRIVACY", "respect-signals",
            "TENANTS", dir.resolve("tenants.toml").toString(), "OPEN_TENANTS", "false"};
        app = TestServer.start(dir.resolve("app-logs"), clock, settings);

        Map<String, String> m = new HashMap<>(Map.of("API_KEY", KEY, "NODE_ID", TestServer.NODE_ID,
                "LOG_DIR", dir.resolve("servlet-logs").toString(), "ARCHIVE_DIR", dir.resolve("servlet-archive").toString()));
        for (int i = 0; i < settings.length; i += 2) {
            m.put(settings[i], settings[i + 1]);
        }
        servletEngine = CounterEngine.start(CounterConfig.from(Settings.of(m)), clock);
        servletServer = servletContainer(servletEngine);
    }

    /** The servlets mounted as the README's web.xml mounts them, behind the HTTP settings the app uses. */
    private static Server servletContainer(CounterEngine engine) throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setUriCompliance(UriCompliance.DEFAULT.with("counter",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, engine);
        context.addServlet(new ServletHolder(new PixelServlet()), "/p/*");
        context.addServlet(new ServletHolder(new QueryServlet()), "/p-query/*");
        context.addServlet(new ServletHolder(new BadgeServlet()), "/b/*");
        context.addServlet(new ServletHolder(new HealthCheckServlet()), "/healthcheck");
        server.setHandler(context);
        server.start();
        return server;
    }

    @AfterEach
    void stop() throws Exception {
        if (servletServer != null) {
            servletServer.stop();
        }
        if (servletEngine != null) {
            servletEngine.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void bothFrontDoorsGiveTheSameAnswerToEveryRequest() throws Exception {
        // Pixels (README, HTTP).
        same(200, "GET", "/p/acme/signup");
        same(200, "GET", "/p/acme/signup?v=7");
        same(400, "GET", "/p/acme/signup?v=51");
        same(400, "GET", "/p/acme/signup?v=abc");
        same(302, "GET", "/p/acme/signup?redir=https%3A%2F%2Fwww.example.com%2Fthanks");
        same(400, "GET", "/p/acme/signup?redir=https%3A%2F%2Fevil.example.net%2F");
        same(404, "GET", "/p/ACME/signup");
        same(404, "GET", "/p/acme/sign%20up");
        same(404, "GET", "/p/acme/a%2Fb");
        same(404, "GET", "/p/acme/%2E%2E");
        same(404, "GET", "/p/acme/signup/more");
        same(200, "HEAD", "/p/acme/signup");
        same(200, "HEAD", "/p/ACME/not-looked-at");
        same(405, "POST", "/p/acme/signup");
        same(405, "DELETE", "/p/acme/signup");
        same(405, "OPTIONS", "/p/acme/signup");
        same(405, "PUT", "/p/acme/signup");
        // Signed pixels.
        same(403, "GET", "/p/signed/news?v=2");
        same(403, "GET", "/p/signed/news?v=2&sig=" + "0".repeat(64));
        same(403, "GET", "/p/signed/news?v=3&sig=" + PixelSigning.sign(SECRET, "signed", "news", "v=2"));
        same(200, "GET", "/p/signed/news?v=2&sig=" + PixelSigning.sign(SECRET, "signed", "news", "v=2"));
        // Over the rate limit: a burst of 20 from one client, then 429.
        for (int i = 0; i < 20; i++) {
            same(200, "GET", "/p/acme/limited", "X-Forwarded-For", "198.51.100.7");
        }
        same(429, "GET", "/p/acme/limited", "X-Forwarded-For", "198.51.100.7");
        same(200, "GET", "/p/acme/news.a");
        same(200, "GET", "/p/acme/news.b?v=3");
        // Privacy (README, Privacy): signals make a counted hit private; prefetches get the GIF, uncounted.
        same(200, "GET", "/p/acme/private", "Sec-GPC", "1", "X-Forwarded-For", "198.51.100.9", "User-Agent", "UA/1");
        same(200, "GET", "/p/acme/private", "DNT", "1", "X-Forwarded-For", "198.51.100.9", "Referer", "https://r.example/");
        same(200, "GET", "/p/acme/private", "DNT", "0", "X-Forwarded-For", "198.51.100.9");
        same(200, "GET", "/p/acme/prefetched", "Sec-Purpose", "prefetch;prerender");
        same(200, "GET", "/p/acme/prefetched", "Purpose", "prefetch");
        same(200, "GET", "/p/acme/prefetched", "X-Moz", "prefetch");
        same(302, "GET", "/p/acme/prefetched?redir=https%3A%2F%2Fwww.example.com%2F", "Sec-Purpose", "prefetch");
        same(200, "HEAD", "/p/acme/prefetched", "Sec-Purpose", "prefetch");
        same(200, "GET", "/p-query/acme/private", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme/prefetched", "X-Api-Key", KEY);
        for (CounterEngine.Outcome fate : List.of(CounterEngine.Outcome.PRIVATE, CounterEngine.Outcome.PREFETCH)) {
            assertEquals(fate == CounterEngine.Outcome.PRIVATE ? 2 : 4, servletEngine.fateCount(fate), fate + ": the servlets");
            assertEquals(servletEngine.fateCount(fate), app.server().engine().fateCount(fate), fate + ": the app");
        }
        assertEquals(privateLines(servletEngine, dir.resolve("servlet-logs")),
                privateLines(app.server().engine(), dir.resolve("app-logs")), "the same private lines");

        // Badges (issue 18): they count as pixels do and show the count.
        same(200, "GET", "/b/acme/readme.svg", "X-Forwarded-For", "198.51.100.20");
        same(200, "GET", "/b/acme/readme.svg?v=2&label=stars%20%E2%98%85&style=plastic&show=total",
                "X-Forwarded-For", "198.51.100.21");
        same(200, "GET", "/b/acme/readme.svg?show=range&from=2026-11-25&style=flat-square",
                "X-Forwarded-For", "198.51.100.21");
        String badgeTag = same(200, "HEAD", "/b/acme/readme.svg").headers().firstValue("ETag").orElseThrow();
        same(304, "GET", "/b/acme/readme.svg", "If-None-Match", badgeTag, "X-Forwarded-For", "198.51.100.22",
                "User-Agent", "Googlebot/2.1 (+http://www.google.com/bot.html)");
        same(200, "GET", "/b/acme/readme.svg", "If-None-Match", badgeTag, "X-Forwarded-For", "198.51.100.22");
        same(400, "GET", "/b/acme/readme.svg?style=3d", "X-Forwarded-For", "198.51.100.22");
        same(400, "GET", "/b/acme/readme.svg?redir=https%3A%2F%2Fwww.example.com%2F", "X-Forwarded-For", "198.51.100.22");
        same(404, "GET", "/b/acme/readme.png", "X-Forwarded-For", "198.51.100.22");
        same(404, "GET", "/b/acme/a%2Fb.svg", "X-Forwarded-For", "198.51.100.22");
        same(403, "GET", "/b/signed/readme.svg", "X-Forwarded-For", "198.51.100.22");
        same(200, "GET", "/b/signed/readme.svg?sig=" + PixelSigning.sign(SECRET, "signed", "readme", null),
                "X-Forwarded-For", "198.51.100.22");
        same(405, "POST", "/b/acme/readme.svg");
        for (int i = 0; i < 20; i++) {
            same(200, "GET", "/b/acme/limited.svg", "X-Forwarded-For", "198.51.100.23");
        }
        same(429, "GET", "/b/acme/limited.svg", "X-Forwarded-For", "198.51.100.23");
        HttpResponse<byte[]> shown = same(200, "GET", "/b/acme/readme.svg", "X-Forwarded-For", "198.51.100.24");
        assertEquals("image/svg+xml", shown.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-cache, max-age=0", shown.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(new String(shown.body(), StandardCharsets.UTF_8).contains(">6</text>"), "1 + 2 + 1 + 1 + 1 views");

        // Queries (README, HTTP).
        same(200, "GET", "/p-query/acme/signup", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme/signup", "X-Api-Key", KEY, "Accept", "application/json");
        same(200, "GET", "/p-query/acme/signup?format=json", "Authorization", "Bearer " + KEY);
        same(200, "GET", "/p-query/acme/signup?apikey=" + KEY);
        same(200, "GET", "/p-query/signed/news", "X-Api-Key", KEY);
        same(401, "GET", "/p-query/acme/signup");
        same(401, "GET", "/p-query/acme/signup", "Accept", "application/json");
        same(403, "GET", "/p-query/acme/signup", "X-Api-Key", "wrong-key-0123456789");
        same(403, "GET", "/p-query/acme/signup?format=json", "Authorization", "Bearer wrong-key-0123456789");
        same(404, "GET", "/p-query/ACME/signup", "X-Api-Key", KEY);
        same(404, "GET", "/p-query/acme/a%2Fb", "X-Api-Key", KEY);
        same(405, "HEAD", "/p-query/acme/signup", "X-Api-Key", KEY);
        same(405, "POST", "/p-query/acme/signup", "X-Api-Key", KEY);
        // Imported history: the body is "x", one row of one field.
        same(400, "POST", "/p-query/acme/import", "X-Api-Key", KEY, "Content-Type", "text/csv");
        same(415, "POST", "/p-query/acme/import", "X-Api-Key", KEY, "Content-Type", "text/plain");
        same(401, "POST", "/p-query/acme/import", "Content-Type", "text/csv");
        same(404, "POST", "/p-query/ghost/import", "X-Api-Key", KEY, "Content-Type", "text/csv");
        same(200, "GET", "/p-query/acme/signup", "X-Api-Key", KEY, "Origin", ORIGIN);
        same(200, "GET", "/p-query/acme/signup", "X-Api-Key", KEY, "Origin", "https://evil.example");
        same(204, "OPTIONS", "/p-query/acme?counter=a", "Origin", ORIGIN, "Access-Control-Request-Method", "GET",
                "Access-Control-Request-Headers", "x-api-key");
        same(204, "OPTIONS", "/p-query/acme/signup", "Origin", "https://evil.example");
        // Health.
        same(200, "GET", "/healthcheck");
        same(200, "HEAD", "/healthcheck");
        same(405, "POST", "/healthcheck");

        // Reporting: three days later, the 25th and 26th aggregated into the archive on both sides.
        aggregate(app.server().engine());
        aggregate(servletEngine);
        same(200, "GET", "/p/acme/signup");
        same(200, "GET", "/p-query/acme/signup?from=2026-11-25&to=2026-11-28", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme/signup?to=2026-11-27", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme?counter=signup&counter=news.a&from=2026-11-25&to=2026-11-28", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme?prefix=news&from=2026-11-25", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme?prefix=news", "X-Api-Key", KEY);
        // CSV (issue 18): streamed, so no Content-Length on either side.
        HttpResponse<byte[]> csv = same(200, "GET", "/p-query/acme/signup?from=2026-11-25&to=2026-11-28&format=csv",
                "X-Api-Key", KEY, "Origin", ORIGIN);
        assertEquals("counter,day,count,source\r\nsignup,2026-11-25,9,archive\r\nsignup,2026-11-26,0,archive\r\n"
                + "signup,2026-11-27,0,live\r\nsignup,2026-11-28,1,live\r\n", new String(csv.body(), StandardCharsets.UTF_8));
        same(200, "GET", "/p-query/acme?counter=signup&counter=news.a&from=2026-11-25", "X-Api-Key", KEY,
                "Accept", "text/csv");
        HttpResponse<byte[]> page = same(200, "GET", "/p-query/acme?prefix=news&limit=1&format=csv", "X-Api-Key", KEY);
        assertEquals("news.a", page.headers().firstValue("X-Next-Cursor").orElse(null));
        same(400, "GET", "/p-query/acme/signup?format=xml", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme/signup?all_time=true&format=json", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/acme?counter=signup&counter=news.a&all_time=true", "X-Api-Key", KEY);
        same(400, "GET", "/p-query/acme/signup?from=2026-11-25&all_time=1", "X-Api-Key", KEY);
        same(400, "GET", "/p-query/acme/signup?from=2026-13-01", "X-Api-Key", KEY);
        same(400, "GET", "/p-query/acme/signup?from=2026-11-28&to=2026-11-27", "X-Api-Key", KEY);
        same(400, "GET", "/p-query/acme/signup?from=2024-01-01&to=2026-11-28", "X-Api-Key", KEY);
        same(400, "GET", "/p-query/acme?from=2026-11-25", "X-Api-Key", KEY);
        HttpResponse<byte[]> closed = same(200, "GET", "/p-query/acme/signup?from=2026-11-25&to=2026-11-26",
                "X-Api-Key", KEY, "Origin", ORIGIN);
        String etag = closed.headers().firstValue("ETag").orElse(null);
        assertNotNull(etag, "a closed, aggregated range has an ETag");
        same(304, "GET", "/p-query/acme/signup?from=2026-11-25&to=2026-11-26", "X-Api-Key", KEY, "If-None-Match", etag);
        same(200, "GET", "/p-query/acme/signup?from=2026-11-25&to=2026-11-26", "X-Api-Key", KEY,
                "If-None-Match", "\"other\"");
    }

    @Test
    void bothFrontDoorsApplyTheTenantRegistryAlike() throws Exception {
        String[] client = {"X-Forwarded-For", "198.51.100.9"};
        // OPEN_TENANTS=false: a tenant the registry does not have.
        same(404, "GET", "/p/ghost/home", client);
        same(404, "GET", "/p-query/ghost/home", "X-Api-Key", KEY);
        // Counter rules.
        same(200, "GET", "/p/ruled/home", client);
        same(200, "GET", "/p/ruled/blog-1", client);
        same(404, "GET", "/p/ruled/news", client);
        // max-new-counters-per-day = 1.
        same(200, "GET", "/p/small/a", client);
        same(403, "GET", "/p/small/b", client);
        same(200, "GET", "/p/small/a", client);
        // max-hits-per-second = 2: 429 with Retry-After.
        same(200, "GET", "/p/busy/x", client);
        same(200, "GET", "/p/busy/x", client);
        same(429, "GET", "/p/busy/x", client);
        // The tenant's own redirect hosts and signing secret replace REDIRECT_ALLOWED and SIGNING_KEYS.
        String redir = "redir=https%3A%2F%2Fown.example%2Fthanks";
        same(403, "GET", "/p/own/x?" + redir, client);
        same(302, "GET", "/p/own/x?" + redir + "&sig=" + PixelSigning.sign("own-signing-secret-0123", "own", "x", redir),
                client);
        String other = "redir=https%3A%2F%2Fwww.example.com%2F";
        same(400, "GET", "/p/own/x?" + other + "&sig=" + PixelSigning.sign("own-signing-secret-0123", "own", "x", other),
                client);
        same(200, "GET", "/p-query/small/b", "X-Api-Key", KEY);
        same(200, "GET", "/p-query/ruled/news", "X-Api-Key", KEY);
    }

    private static List<String> privateLines(CounterEngine engine, Path logs) throws Exception {
        engine.flush();
        List<String> lines = java.nio.file.Files.readAllLines(TestServer.logFile(logs, "2026-11-25")).stream()
                .filter(l -> l.contains("\"private\":true")).toList();
        assertEquals(2, lines.size(), lines.toString());
        for (String line : lines) {
            for (String identity : List.of("\"ip\"", "\"xff\"", "\"ua\"", "\"referer\"")) {
                assertEquals(-1, line.indexOf(identity), identity + " in " + line);
            }
        }
        return lines;
    }

    private void aggregate(CounterEngine engine) throws Exception {
        engine.flush();
        clock.set(Instant.parse("2026-11-28T10:00:00Z"));
        DailyAggregation daily = new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock);
        daily.runOnce(LocalDate.parse("2026-11-25"));
        daily.runOnce(LocalDate.parse("2026-11-26"));
    }

    /** Sends one request to each front door; asserts the status and that both answered alike. Returns the app's. */
    private HttpResponse<byte[]> same(int status, String method, String pathAndQuery, String... headers)
            throws Exception {
        if (pathAndQuery.startsWith("/p-query/")) {
            // Visitors reach their sketch with the next flush (uniques lag counts by design): flush both first.
            app.server().engine().flush();
            servletEngine.flush();
        }
        HttpResponse<byte[]> viaServlets = send(servletPort(), method, pathAndQuery, headers);
        HttpResponse<byte[]> viaApp = send(app.server().port(), method, pathAndQuery, headers);
        String request = method + " " + pathAndQuery + " " + List.of(headers);
        assertEquals(status, viaApp.statusCode(), request + ": the app");
        assertEquals(status, viaServlets.statusCode(), request + ": the servlets");
        assertEquals(headersOf(viaApp), headersOf(viaServlets), request + ": headers");
        assertArrayEquals(viaApp.body(), viaServlets.body(), request + ": body "
                + new String(viaApp.body(), StandardCharsets.UTF_8) + " | "
                + new String(viaServlets.body(), StandardCharsets.UTF_8));
        return viaApp;
    }

    private int servletPort() {
        return ((ServerConnector) servletServer.getConnectors()[0]).getLocalPort();
    }

    private static HttpResponse<byte[]> send(int port, String method, String pathAndQuery, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .method(method, method.equals("POST") || method.equals("PUT")
                        ? HttpRequest.BodyPublishers.ofString("x") : HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Every header but Date, names in lower case, values in the order they came. */
    private static Map<String, List<String>> headersOf(HttpResponse<?> r) {
        Map<String, List<String>> out = new TreeMap<>();
        r.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("date")) {
                out.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT), n -> new ArrayList<>()).addAll(values);
            }
        });
        return out;
    }
}
