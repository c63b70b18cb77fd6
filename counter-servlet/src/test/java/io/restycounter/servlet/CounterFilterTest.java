package io.restycounter.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.HitLog;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CounterFilter in a real Jetty servlet context, spoken to through a LocalConnector. */
class CounterFilterTest {

    @TempDir
    Path logDir;

    private Server server;
    private LocalConnector connector;
    private CounterEngine engine;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (engine != null) {
            engine.close();
        }
    }

    /** A host webapp: every path is a 200 page, except /missing (404) and /moved (302). */
    static final class Pages extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getRequestURI();
            if (path.equals("/missing")) {
                response.sendError(404);
                return;
            }
            if (path.equals("/moved")) {
                response.sendRedirect("/");
                return;
            }
            response.setContentType("text/plain");
            response.getWriter().write("page " + path);
        }
    }

    private CounterFilter start(CounterEngine withEngine, Map<String, String> params) throws Exception {
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, withEngine);
        context.addServlet(new ServletHolder(new Pages()), "/");
        context.addServlet(PixelServlet.class, "/p/*");
        CounterFilter filter = new CounterFilter();
        FilterHolder holder = new FilterHolder(filter);
        holder.setInitParameters(params);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
        return filter;
    }

    private CounterEngine realEngine() {
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", logDir.toString(),
                "API_KEY", "test-key-123"))), Clock.systemUTC());
        return engine;
    }

    private int send(String method, String path) throws Exception {
        String response = connector.getResponse(method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        return Integer.parseInt(response.substring(9, 12));
    }

    private long today(String counter) throws StoreException {
        LocalDate today = engine.today();
        return engine.counts(new CounterKey("acme", counter), today, today).get(today);
    }

    @Test
    void countsSuccessfulGetsOfPagesOnly() throws Exception {
        start(realEngine(), Map.of("tenant", "acme"));
        assertEquals(200, send("GET", "/"));
        assertEquals(200, send("GET", "/docs/intro.html"));
        assertEquals(200, send("GET", "/docs/intro.html?x=1"));
        assertEquals(302, send("GET", "/moved"));
        assertEquals(200, send("GET", "/style.css"));
        assertEquals(200, send("POST", "/docs/intro.html"));
        assertEquals(404, send("GET", "/missing"));
        assertEquals(200, send("GET", "/p/acme/signup"));

        assertEquals(1, today("index"));
        assertEquals(2, today("docs.intro.html"));
        assertEquals(1, today("moved"));
        assertEquals(0, today("style.css"));
        assertEquals(0, today("missing"));
        assertEquals(0, today("p.acme.signup"));
        assertEquals(1, today("signup"), "the pixel counts itself, once");

        engine.flush();
        String log = Files.readString(logDir.resolve(LocalDate.now(Clock.systemUTC()) + "-access.log"),
                StandardCharsets.UTF_8);
        assertTrue(log.contains("\"counter\":\"docs.intro.html\",\"inc\":1,\"status\":200,\"method\":\"GET\","
                + "\"uri\":\"/docs/intro.html?x=1\""), log);
        assertTrue(log.contains("\"counter\":\"moved\",\"inc\":1,\"status\":302"), log);
    }

    /** Speculation rules prerender whole pages: the filter counts them no more than the pixel does. */
    @Test
    void prefetchedPagesAreNotCountedAndAGpcPageIsCountedButLoggedWithoutIdentity() throws Exception {
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", logDir.toString(),
                "API_KEY", "test-key-123", "PRIVACY", "respect-signals"))), Clock.systemUTC());
        start(engine, Map.of("tenant", "acme"));
        String prefetch = connector.getResponse("GET /docs HTTP/1.1\r\nHost: test\r\nSec-Purpose: prefetch;prerender\r\n"
                + "Connection: close\r\n\r\n");
        assertTrue(prefetch.endsWith("page /docs"), "the page is served: " + prefetch);
        assertEquals(0, today("docs"));
        connector.getResponse("GET /docs HTTP/1.1\r\nHost: test\r\nSec-GPC: 1\r\nUser-Agent: Firefox/133.0\r\n"
                + "Connection: close\r\n\r\n");
        assertEquals(1, today("docs"));
        engine.flush();
        String log = Files.readString(logDir.resolve(LocalDate.now(Clock.systemUTC()) + "-access.log"),
                StandardCharsets.UTF_8);
        assertEquals(1, log.lines().count(), log);
        assertTrue(log.contains("\"private\":true") && !log.contains("\"ip\"") && !log.contains("Firefox"), log);
    }

    @Test
    void aFailingStoreNeverBreaksThePage() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CounterStore broken = new CounterStore() {
            @Override
            public boolean increment(CounterKey key, LocalDate day, long by) {
                attempts.incrementAndGet();
                throw new IllegalStateException("store exploded");
            }

            @Override
            public long get(CounterKey key, LocalDate day) {
                return 0;
            }

            @Override
            public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void flush() {
            }

            @Override
            public boolean healthy() {
                return false;
            }

            @Override
            public void close() {
            }
        };
        HitLog noLog = new HitLog() {
            @Override
            public boolean append(Hit hit) {
                return true;
            }

            @Override
            public void flush() {
            }

            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        CounterConfig config = CounterConfig.from(Settings.of(Map.of("API_KEY", "test-key-123")));
        CounterFilter filter = start(new CounterEngine(config, broken, noLog, GeoIp.none(), Clock.systemUTC()),
                Map.of("tenant", "acme", "counter", "pages"));
        for (int i = 0; i < 3; i++) {
            String response = connector.getResponse("GET /a HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("page /a"), response);
        }
        assertEquals(3, attempts.get());
        assertEquals(3, filter.failedHits());
    }

    @Test
    void aBadInitParamStopsStartNamingIt() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> start(realEngine(), Map.of("tenant", "Acme")));
        Throwable cause = e;
        while (cause.getCause() != null && !cause.getMessage().contains("tenant")) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("tenant: expected [a-z0-9]{1,32}"), cause.getMessage());
    }
}
