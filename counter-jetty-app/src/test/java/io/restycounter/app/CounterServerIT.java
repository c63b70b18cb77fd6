package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restycounter.core.MutableClock;
import io.restycounter.core.http.Pixel;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CounterServerIT {

    @TempDir
    Path logDir;
    private MutableClock clock;
    private TestServer app;

    @BeforeEach
    void start() throws Exception {
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        app = TestServer.start(logDir, clock, "REDIRECT_ALLOWED", "(www\\.)?example\\.com");
    }

    @AfterEach
    void stop() {
        app.close();
    }

    private List<String> logLines(String day) throws Exception {
        app.server().engine().flush();
        Path file = logDir.resolve(day + "-" + TestServer.NODE_ID + "-access.log");
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    static Map<String, String> json(String line) throws IOException {
        Map<String, String> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                out.put(name, p.getValueAsString());
            }
            assertEquals(null, p.nextToken(), "exactly one object on the line");
        }
        return out;
    }

    @Test
    void pixelIsTheTransparentGifAndCounts() throws Exception {
        HttpResponse<byte[]> r = app.get("/p/acme/signup");
        assertEquals(200, r.statusCode());
        assertArrayEquals(Pixel.gif(), r.body());
        assertEquals(43, r.body().length);
        assertEquals("image/gif", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-cache, no-store, must-revalidate", r.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("1+0", app.query("acme/signup"));
        assertEquals(200, app.get("/p/acme/signup?v=6").statusCode());
        assertEquals("7+0", app.query("acme/signup"));

        List<String> lines = logLines("2026-11-29");
        assertEquals(2, lines.size());
        Map<String, String> first = json(lines.get(0));
        assertEquals("acme", first.get("tenant"));
        assertEquals("signup", first.get("counter"));
        assertEquals("1", first.get("inc"));
        assertEquals("200", first.get("status"));
        assertEquals("GET", first.get("method"));
        assertEquals("/p/acme/signup", first.get("uri"));
        assertEquals("127.0.0.1", first.get("ip"));
        assertEquals("2026-11-29T10:00:00.000Z", first.get("ts"));
        assertEquals("6", json(lines.get(1)).get("inc"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/p/ACME/signup", "/p/acme/", "/p/acme", "/p/", "/p/acme/a%2Fb", "/p/acme/a%2fb",
        "/p/acme/signup/extra", "/p/acme/%2E%2E", "/p/acme/..", "/p/acme/.", "/p/acme/a%20b",
        "/p/abcdefghijklmnopqrstuvwxyz0123456/x", "/p/acme/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"})
    void badTenantOrCounterIs404WithTheGifAndCountsNothing(String path) throws Exception {
        String response = app.raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 404"), path + " -> " + response.lines().findFirst().orElse(""));
        assertTrue(response.contains("Content-Type: image/gif"), response);
        assertTrue(response.endsWith(new String(Pixel.gif(), StandardCharsets.ISO_8859_1)), "GIF body");
        assertEquals(List.of(), logLines("2026-11-29"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "v=abc", "v=0", "v=-3", "v=1001", "v=2.5", "v=",
        "redir=https%3A%2F%2Fevil.com%2F", "redir=https%3A%2F%2Fexample.com.evil.com%2F",
        "redir=%2Fpath", "redir=javascript%3Aalert(1)"})
    void badVOrRefusedRedirectIs400WithTheGifAndCountsNothing(String query) throws Exception {
        HttpResponse<byte[]> r = app.get("/p/acme/signup?" + query);
        assertEquals(400, r.statusCode(), query);
        assertArrayEquals(Pixel.gif(), r.body());
        assertEquals("0+0", app.query("acme/signup"));
        assertEquals(List.of(), logLines("2026-11-29"));
    }

    @Test
    void allowedRedirectIs302AndCounts() throws Exception {
        HttpResponse<byte[]> r = app.get("/p/acme/mail-1?v=2&redir=https%3A%2F%2Fwww.example.com%2Flanding%3Fa%3D1");
        assertEquals(302, r.statusCode());
        assertEquals("https://www.example.com/landing?a=1", r.headers().firstValue("Location").orElse(""));
        assertEquals("2+0", app.query("acme/mail-1"));
        assertEquals("302", json(logLines("2026-11-29").get(0)).get("status"));
    }

    @Test
    void queryNeedsTheKeyInAnyOfItsThreePlaces() throws Exception {
        app.get("/p/acme/signup?v=8");
        assertEquals(401, app.get("/p-query/acme/signup").statusCode());
        assertEquals(403, app.get("/p-query/acme/signup", "X-Api-Key", "wrong-key").statusCode());
        assertEquals(403, app.get("/p-query/acme/signup?apikey=wrong").statusCode());
        assertEquals("8+0", new String(app.get("/p-query/acme/signup?apikey=" + TestServer.API_KEY).body()));
        assertEquals("8+0", new String(app.get("/p-query/acme/signup", "Authorization", "Bearer " + TestServer.API_KEY).body()));
        HttpResponse<byte[]> json = app.get("/p-query/acme/signup", "X-Api-Key", TestServer.API_KEY, "Accept", "application/json");
        assertEquals("{\"tenant\":\"acme\",\"counter\":\"signup\",\"today\":8,\"yesterday\":0}", new String(json.body()));
        assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
        assertEquals(200, app.get("/p-query/acme/signup?format=json&apikey=" + TestServer.API_KEY).statusCode());
        assertEquals(404, app.get("/p-query/ACME/signup?apikey=" + TestServer.API_KEY).statusCode());
    }

    @Test
    void theApiKeyNeverReachesTheLog() throws Exception {
        app.get("/p/acme/signup?apikey=" + TestServer.API_KEY);
        app.get("/p-query/acme/signup?apikey=" + TestServer.API_KEY);
        // Only pixels are logged; a pixel URL carrying a key is logged as sent, and queries are never logged.
        List<String> lines = logLines("2026-11-29");
        assertEquals(1, lines.size());
        assertTrue(lines.stream().noneMatch(l -> l.contains("p-query")));
    }

    @Test
    void hostileHeadersCannotSplitOrForgeALogLine() throws Exception {
        String ua = "Mozilla \"quoted\" \\back\\slash\t{\"tenant\":\"evil\"}";
        String referer = "https://x/\"},\n{\"tenant\":\"forged\",\"counter\":\"x\",\"inc\":1000,\"status\":200}";
        String response = app.raw("GET /p/acme/signup HTTP/1.1\r\nHost: px.example.com\r\nUser-Agent: " + ua
                + "\r\nReferer: " + referer.replace("\n", "") + "\r\nX-Forwarded-For: 1.2.3.4\"}\r\nConnection: close\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        List<String> lines = logLines("2026-11-29");
        assertEquals(1, lines.size());
        Map<String, String> f = json(lines.get(0));
        assertEquals(ua, f.get("ua"));
        assertEquals(referer.replace("\n", ""), f.get("referer"));
        assertEquals("1.2.3.4\"}", f.get("xff"));
        assertEquals("acme", f.get("tenant"));
        assertEquals("px.example.com", f.get("host"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /p/acme/signup HTTP/1.1\r\nHost: x\r\nUser-Agent: a\rb\r\nConnection: close\r\n\r\n",
        "GET /p/acme/signup HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0001b\r\nConnection: close\r\n\r\n",
        "GET /p/acme/sign%zzup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"})
    void malformedRequestsAreRefusedBeforeAnythingIsCounted(String request) throws Exception {
        String response = app.raw(request);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertEquals("0+0", app.query("acme/signup"));
        assertEquals(List.of(), logLines("2026-11-29"));
    }

    @Test
    void headAndPostDoNotCount() throws Exception {
        HttpResponse<Void> head = TestServer.HTTP.send(HttpRequest.newBuilder(app.uri("/p/acme/signup"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        HttpResponse<String> post = TestServer.HTTP.send(HttpRequest.newBuilder(app.uri("/p/acme/signup"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), post.body());
        assertEquals("0+0", app.query("acme/signup"));
    }

    @Test
    void overTheRateLimitIs429WithTheGifAndNotCounted() throws Exception {
        app.close();
        app = TestServer.start(logDir, clock, "RATE_LIMIT", "1", "RATE_BURST", "2");
        assertEquals(200, app.get("/p/acme/signup").statusCode());
        assertEquals(200, app.get("/p/acme/signup").statusCode());
        HttpResponse<byte[]> limited = app.get("/p/acme/signup");
        assertEquals(429, limited.statusCode());
        assertArrayEquals(Pixel.gif(), limited.body());
        assertEquals("1", limited.headers().firstValue("Retry-After").orElse(""));
        clock.advanceMillis(1000);
        assertEquals(200, app.get("/p/acme/signup").statusCode());
        assertEquals("3+0", app.query("acme/signup"));
        assertEquals(3, logLines("2026-11-29").size());
    }

    @Test
    void aSigningTenantCountsOnlySignedPixels() throws Exception {
        app.close();
        String secret = "it-signing-secret-0123";
        app = TestServer.start(logDir, clock, "SIGNING_KEYS", "acme:" + secret);
        HttpResponse<byte[]> unsigned = app.get("/p/acme/signed?v=2");
        assertEquals(403, unsigned.statusCode());
        assertArrayEquals(Pixel.gif(), unsigned.body());
        String sig = io.restycounter.core.guard.PixelSigning.sign(secret, "acme", "signed", "v=2");
        assertEquals(403, app.get("/p/acme/signed?v=5&sig=" + sig).statusCode(), "v is covered by the signature");
        assertEquals(200, app.get("/p/acme/signed?v=2&sig=" + sig).statusCode());
        assertEquals(200, app.get("/p/other/free").statusCode(), "other tenants need no signature");
        assertEquals("2+0", app.query("acme/signed"));
        assertEquals(2, logLines("2026-11-29").size());
    }

    @Test
    void healthcheckAndRobots() throws Exception {
        HttpResponse<byte[]> health = app.get("/healthcheck");
        assertEquals(200, health.statusCode());
        assertEquals("OK", new String(health.body()));
        HttpResponse<byte[]> robots = app.get("/robots.txt");
        assertEquals(200, robots.statusCode());
        assertTrue(new String(robots.body()).contains("Disallow: /"));
    }

    @Test
    void midnightRollsTheCountAndTheLogFileOver() throws Exception {
        clock.set(Instant.parse("2026-11-29T23:59:59.990Z"));
        app.get("/p/acme/signup?v=2");
        clock.set(Instant.parse("2026-11-30T00:00:00.010Z"));
        app.get("/p/acme/signup");
        assertEquals("1+2", app.query("acme/signup"));
        assertEquals(1, logLines("2026-11-29").size());
        assertEquals(1, logLines("2026-11-30").size());
        assertEquals("2026-11-30T00:00:00.010Z", json(logLines("2026-11-30").get(0)).get("ts"));
    }

    @Test
    void midnightFollowsTimezone() throws Exception {
        app.close();
        clock.set(Instant.parse("2026-11-29T22:30:00Z"));  // 23:30 in Berlin
        app = TestServer.start(logDir, clock, "TIMEZONE", "Europe/Berlin");
        app.get("/p/acme/signup");
        clock.set(Instant.parse("2026-11-29T23:30:00Z"));  // 00:30 on the 30th in Berlin
        app.get("/p/acme/signup?v=5");
        assertEquals("5+1", app.query("acme/signup"));
        assertEquals(1, logLines("2026-11-29").size());
        assertEquals(1, logLines("2026-11-30").size());
    }

    @Test
    void restartOnTheSameLogDirAnswersTheSameCounts() throws Exception {
        app.get("/p/acme/signup?v=3");
        app.get("/p/acme/other");
        clock.set(Instant.parse("2026-11-30T09:00:00Z"));
        app.get("/p/acme/signup");
        app.close();
        app = TestServer.start(logDir, clock);
        assertEquals("1+3", app.query("acme/signup"));
        assertEquals("0+1", app.query("acme/other"));
    }
}
