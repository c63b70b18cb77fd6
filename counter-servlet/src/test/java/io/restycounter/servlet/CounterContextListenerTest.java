package io.restycounter.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CounterContextListenerTest {

    private static final int HITS = 50_000;

    @TempDir
    Path logDir;

    private static long lines(Path file) throws Exception {
        try (Stream<String> s = Files.lines(file)) {
            return s.count();
        }
    }

    @Test
    void stoppingTheWebappWritesEveryQueuedHitBeforeItReturns() throws Exception {
        Server server = new Server();
        ServletContextHandler context = new ServletContextHandler();
        context.setInitParameter("LOG_DIR", logDir.toString());
        context.setInitParameter("API_KEY", "test-key-123");
        context.setInitParameter("RATE_LIMIT", "0");
        context.addEventListener(new CounterContextListener());
        server.setHandler(context);
        server.start();
        CounterEngine engine = (CounterEngine) context.getServletContext().getAttribute(CounterEngine.CONTEXT_ATTRIBUTE);
        CounterKey key = new CounterKey("acme", "burst");
        for (int i = 0; i < HITS; i++) {
            assertEquals(CounterEngine.Outcome.COUNTED, engine.record(new Hit(engine.now(), key, 1, 200, "GET",
                    "/p/acme/burst", "127.0.0.1", null, "test", "http", null, "a user agent long enough to take time")));
        }

        // Stop right away: the writer cannot have caught up with the burst unless the stop waits for it.
        server.stop();

        Path file = logDir.resolve(LocalDate.now(Clock.systemUTC()) + "-access.log");
        assertEquals(HITS, lines(file));
        assertNull(context.getServletContext().getAttribute(CounterEngine.CONTEXT_ATTRIBUTE));
        try (CounterEngine rebuilt = CounterEngine.start(CounterConfig.from(Settings.of(Map.of(
                "LOG_DIR", logDir.toString(), "API_KEY", "test-key-123"))), Clock.systemUTC())) {
            LocalDate today = rebuilt.today();
            assertEquals(HITS, rebuilt.counts(key, today, today).get(today));
        }
    }

    @Test
    void anEngineTheHostPutThereIsKeptAndNotClosed() throws Exception {
        CounterEngine own = CounterEngine.start(CounterConfig.from(Settings.of(Map.of(
                "LOG_DIR", logDir.toString(), "API_KEY", "test-key-123"))), Clock.systemUTC());
        try (own) {
            Server server = new Server();
            ServletContextHandler context = new ServletContextHandler();
            context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, own);
            context.addEventListener(new CounterContextListener());
            server.setHandler(context);
            server.start();
            assertSame(own, context.getServletContext().getAttribute(CounterEngine.CONTEXT_ATTRIBUTE));
            server.stop();
            CounterKey key = new CounterKey("acme", "after");
            assertEquals(CounterEngine.Outcome.COUNTED, own.record(new Hit(own.now(), key, 1, 200, "GET", "/", null,
                    null, null, null, null, null)));
            own.flush();
            LocalDate today = own.today();
            assertEquals(1, own.counts(key, today, today).get(today));
        }
    }
}
