package io.restycounter.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webapp's host binds the counter's meters from the context attribute to a registry of its own. */
class CounterMetersTest {

    @TempDir
    Path logDir;

    @Test
    void theHostAppsRegistrySeesThePixelsTheServletAnswered() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setInitParameter("LOG_DIR", logDir.toString());
        context.setInitParameter("API_KEY", "test-key-123");
        context.addEventListener(new CounterContextListener());
        context.addServlet(PixelServlet.class, "/p/*");
        server.setHandler(context);
        server.start();
        try {
            MeterRegistry registry = new SimpleMeterRegistry();
            assertInstanceOf(CounterMeters.class, context.getServletContext().getAttribute(CounterMeters.CONTEXT_ATTRIBUTE))
                    .bindTo(registry);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            for (String path : new String[] {"/p/acme/home", "/p/acme/home", "/p/Not-A-Tenant/home"}) {
                http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.discarding());
            }

            assertEquals(2.0, registry.get("counter.pixels").tag("answer", "counted").functionCounter().count());
            assertEquals(1.0, registry.get("counter.pixels").tag("answer", "not_found").functionCounter().count());
            assertEquals(2.0, registry.get("counter.hits").tag("fate", "counted").functionCounter().count());
        } finally {
            server.stop();
        }
    }
}
