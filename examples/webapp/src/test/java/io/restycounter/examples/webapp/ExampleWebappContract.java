package io.restycounter.examples.webapp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the example WAR must do in any Servlet 6 container, spoken to over real HTTP. Each subclass
 * deploys the built WAR file in one container.
 */
abstract class ExampleWebappContract {

    static final String API_KEY = "example-it-key-0123";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] GIF_HEADER = "GIF89a".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path work;

    Path logDir;
    Deployment app;

    abstract Deployment.Container container();

    @BeforeEach
    void deploy() throws Exception {
        logDir = work.resolve("logs");
        app = container().deploy(Deployment.war(), work, Map.of("LOG_DIR", logDir.toString(), "API_KEY", API_KEY,
                "RATE_LIMIT", "0"));
    }

    @AfterEach
    void undeploy() throws Exception {
        app.stop();
    }

    HttpResponse<byte[]> send(String method, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        return send("GET", path, headers);
    }

    String query(String tenantAndCounter) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get("/p-query/" + tenantAndCounter, "X-Api-Key", API_KEY);
        assertEquals(200, r.statusCode(), "query " + tenantAndCounter);
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static void assertGif(HttpResponse<byte[]> r) {
        assertEquals(200, r.statusCode());
        assertEquals("image/gif", r.headers().firstValue("Content-Type").orElse(""));
        byte[] head = new byte[GIF_HEADER.length];
        System.arraycopy(r.body(), 0, head, 0, head.length);
        assertArrayEquals(GIF_HEADER, head);
    }

    @Test
    void pixelsCountAndTheQueryAnswersWithTheApiKey() throws Exception {
        assertGif(get("/p/acme/signup"));
        assertGif(get("/p/acme/signup"));
        assertGif(get("/p/acme/signup?v=3"));
        assertEquals(404, get("/p/ACME/signup").statusCode());

        assertEquals("5+0", query("acme/signup"));
        assertEquals(401, get("/p-query/acme/signup").statusCode());
        assertEquals(403, get("/p-query/acme/signup", "X-Api-Key", "not-the-key-at-all").statusCode());
        HttpResponse<byte[]> json = get("/p-query/acme/signup?format=json", "Authorization", "Bearer " + API_KEY);
        assertEquals(200, json.statusCode());
        assertTrue(new String(json.body(), StandardCharsets.UTF_8).contains("\"today\":5"));
        HttpResponse<byte[]> health = get("/healthcheck");
        assertEquals(200, health.statusCode());
        assertEquals("OK", new String(health.body(), StandardCharsets.UTF_8));
    }

    /** Issue 18: badges count like pixels (the filter leaves them alone), and a range comes as streamed CSV. */
    @Test
    void badgesCountAndRangesComeAsCsv() throws Exception {
        HttpResponse<byte[]> badge = get("/b/acme/readme.svg?label=readers");
        assertEquals(200, badge.statusCode());
        assertEquals("image/svg+xml", badge.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-cache, max-age=0", badge.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(new String(badge.body(), StandardCharsets.UTF_8).contains(">readers</text>"));
        assertTrue(new String(get("/b/acme/readme.svg?v=2").body(), StandardCharsets.UTF_8).contains(">3</text>"));
        assertEquals(400, get("/b/acme/readme.svg?style=3d").statusCode());
        assertEquals("3+0", query("acme/readme"));
        assertEquals("0+0", query("site/b.acme.readme.svg"), "an image, not a page");

        HttpResponse<byte[]> csv = get("/p-query/acme?counter=readme&counter=-2-1&format=csv", "X-Api-Key", API_KEY);
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"),
                csv.headers().firstValue("Content-Type").orElse(""));
        String text = new String(csv.body(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("counter,day,count,source\r\nreadme,"), text);
        assertTrue(text.contains(",3,live\r\n'-2-1,"), text);
    }

    @Test
    void theFilterCountsPagesAndSkipsAssetsOtherMethodsAndErrors() throws Exception {
        HttpResponse<byte[]> home = get("/");
        assertEquals(200, home.statusCode());
        assertTrue(new String(home.body(), StandardCharsets.UTF_8).contains("resty-counter example"));
        assertEquals(200, get("/index.html").statusCode());
        assertEquals(200, get("/docs/intro.html").statusCode());
        assertEquals(200, get("/docs/intro.html?from=mail").statusCode());
        assertEquals(200, get("/css/site.css").statusCode());
        assertEquals(200, get("/private/notes.html").statusCode());
        assertEquals(404, get("/missing.html").statusCode());
        assertEquals(200, send("HEAD", "/docs/intro.html").statusCode());
        send("POST", "/docs/intro.html");
        send("DELETE", "/docs/intro.html");
        assertEquals(200, get("/healthcheck").statusCode());
        assertGif(get("/p/site/campaign"));

        assertEquals("1+0", query("site/index"));
        assertEquals("1+0", query("site/index.html"));
        assertEquals("2+0", query("site/docs.intro.html"));
        assertEquals("1+0", query("site/campaign"), "a pixel counts once, not again as a page");
        for (String never : List.of("css.site.css", "private.notes.html", "missing.html", "healthcheck",
                "p.site.campaign", "p-query.site.index")) {
            assertEquals("0+0", query("site/" + never), never);
        }
    }

    @Test
    void stoppingTheWebappFlushesEveryCountToTheLog() throws Exception {
        int pixels = 40;
        for (int i = 0; i < pixels; i++) {
            assertGif(get("/p/acme/newsletter"));
        }
        assertEquals(200, get("/docs/intro.html").statusCode());
        assertEquals(200, get("/css/site.css").statusCode());

        app.stop();

        Path file = logDir.resolve(LocalDate.now(Clock.systemUTC()) + "-access.log");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(pixels, lines.stream().filter(l -> l.contains("\"tenant\":\"acme\",\"counter\":\"newsletter\"")).count());
        List<String> pages = lines.stream().filter(l -> l.contains("\"tenant\":\"site\"")).toList();
        assertEquals(1, pages.size(), String.join("\n", pages));
        assertTrue(pages.get(0).contains("\"counter\":\"docs.intro.html\",\"inc\":1,\"status\":200,\"method\":\"GET\","
                + "\"uri\":\"/docs/intro.html\""), pages.get(0));
        assertTrue(pages.get(0).contains("\"ip\":\"127.0.0.1\""), pages.get(0));

        CounterConfig config = CounterConfig.from(io.restycounter.core.Settings.of(Map.of("LOG_DIR", logDir.toString(),
                "API_KEY", API_KEY)));
        try (CounterEngine fresh = CounterEngine.start(config, Clock.systemUTC())) {
            LocalDate today = fresh.today();
            assertEquals(pixels, fresh.counts(new CounterKey("acme", "newsletter"), today, today).get(today));
            assertEquals(1, fresh.counts(new CounterKey("site", "docs.intro.html"), today, today).get(today));
            assertEquals(0, fresh.counts(new CounterKey("site", "css.site.css"), today, today).get(today));
        }
    }
}
