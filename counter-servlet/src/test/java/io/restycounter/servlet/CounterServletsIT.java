package io.restycounter.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Settings;
import io.restycounter.core.http.Pixel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The servlets as a webapp mounts them (under a context path), in a real Jetty, over real HTTP. */
class CounterServletsIT {

    private static final String KEY = "servlet-test-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path logDir;
    private Server server;
    private CounterEngine engine;

    @BeforeEach
    void start() throws Exception {
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", logDir.toString(),
                "API_KEY", KEY, "REDIRECT_ALLOWED", "example\\.com"))), Clock.systemUTC());
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/shop");
        context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, engine);
        context.addServlet(new ServletHolder(new PixelServlet()), "/px/*");
        context.addServlet(new ServletHolder(new QueryServlet()), "/px-query/*");
        context.addServlet(new ServletHolder(new HealthCheckServlet()), "/health");
        server.setHandler(context);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        engine.close();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/shop" + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String count(String counter) throws Exception {
        return new String(get("/px-query/acme/" + counter, "X-Api-Key", KEY).body());
    }

    @ParameterizedTest
    @CsvSource({
        "/px/acme/signup, 200, 1+0",
        "/px/acme/signup?v=4, 200, 4+0",
        "/px/acme/signup?redir=http%3A%2F%2Fexample.com%2F, 302, 1+0",
        "/px/acme/signup?redir=http%3A%2F%2Fevil.com%2F, 400, 0+0",
        "/px/acme/signup?v=0, 400, 0+0",
        "/px/ACME/signup, 404, 0+0",
        "/px/acme/signup/more, 404, 0+0"})
    void pixelAnswersWithTheGifAndCountsOnlyGoodHits(String path, int status, String expected) throws Exception {
        HttpResponse<byte[]> r = get(path);
        assertEquals(status, r.statusCode());
        assertArrayEquals(Pixel.gif(), r.body());
        assertEquals("no-cache, no-store, must-revalidate", r.headers().firstValue("Cache-Control").orElse(""));
        assertEquals(expected, count("signup"));
    }

    @Test
    void queryAndHealthUnderAContextPath() throws Exception {
        get("/px/acme/a?v=3");
        assertEquals(401, get("/px-query/acme/a").statusCode());
        assertEquals(403, get("/px-query/acme/a", "Authorization", "Bearer nope").statusCode());
        assertEquals("{\"tenant\":\"acme\",\"counter\":\"a\",\"today\":3,\"yesterday\":0}",
                new String(get("/px-query/acme/a?format=json", "X-Api-Key", KEY).body()));
        assertEquals("OK", new String(get("/health").body()));
    }

    @Test
    void eachCountedHitIsOneLogLineWithTheFullUri() throws Exception {
        get("/px/acme/a?v=2");
        get("/px/acme/a");
        engine.flush();
        var lines = Files.readAllLines(logDir.resolve(LocalDate.now(ZoneOffset.UTC) + "-access.log"));
        assertEquals(2, lines.size());
        assertEquals(true, lines.get(0).contains("\"uri\":\"/shop/px/acme/a?v=2\""), lines.get(0));
    }
}
