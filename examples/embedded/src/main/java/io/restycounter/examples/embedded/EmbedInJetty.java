package io.restycounter.examples.embedded;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.servlet.CounterFilter;
import io.restycounter.servlet.HealthCheckServlet;
import io.restycounter.servlet.PixelServlet;
import io.restycounter.servlet.QueryServlet;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/**
 * Adds the counter to a Jetty 12 server you already run: one engine of your own in the context,
 * the pixel, the query, the health check, and the filter that counts your pages.
 *
 * <pre>mvn -pl examples/embedded exec:java -Dexec.mainClass=io.restycounter.examples.embedded.EmbedInJetty</pre>
 */
public final class EmbedInJetty {

    static final int PORT = 8080;
    static final String LOG_DIR = "./data/logs";
    static final String API_KEY = "change-me-0123";
    static final String TENANT = "site";

    public static void main(String[] args) throws Exception {
        CounterConfig config = CounterConfig.builder()
                .logDir(Path.of(LOG_DIR))
                .apiKey(API_KEY)
                .build();
        CounterEngine engine = CounterEngine.start(config, Clock.systemUTC());
        Server server = start(PORT, engine);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, engine), "counter-shutdown"));
        System.out.println("http://localhost:" + PORT + "/  and  http://localhost:" + PORT + "/p/acme/signup");
        server.join();
    }

    /** Your server, with the counter mounted next to your own servlets. */
    static Server start(int port, CounterEngine engine) throws Exception {
        Server server = new Server(port);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(ExistingApp.class, "/");

        context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, engine);
        context.addServlet(PixelServlet.class, "/p/*");
        context.addServlet(QueryServlet.class, "/p-query/*");
        context.addServlet(HealthCheckServlet.class, "/healthcheck");
        FilterHolder pages = new FilterHolder(CounterFilter.class);
        pages.setInitParameter("tenant", TENANT);
        context.addFilter(pages, "/*", EnumSet.of(DispatcherType.REQUEST));

        server.setHandler(context);
        server.start();
        return server;
    }

    /** Stop taking requests first, then close the engine: it writes queued hits and flushes counts. */
    static void stop(Server server, CounterEngine engine) {
        try {
            server.stop();
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            engine.close();
        }
    }

    private EmbedInJetty() {
    }
}
