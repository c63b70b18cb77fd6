package io.restycounter.examples.embedded;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.servlet.CounterFilter;
import io.restycounter.servlet.HealthCheckServlet;
import io.restycounter.servlet.PixelServlet;
import io.restycounter.servlet.QueryServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;

/**
 * Adds the counter to an embedded Tomcat you already run. The counter is registered by a
 * ServletContainerInitializer, the standard way to add servlets and filters to a context from code.
 *
 * <pre>mvn -pl examples/embedded exec:java -Dexec.mainClass=io.restycounter.examples.embedded.EmbedInTomcat</pre>
 */
public final class EmbedInTomcat {

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
        Tomcat tomcat = start(PORT, engine);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(tomcat, engine), "counter-shutdown"));
        System.out.println("http://localhost:" + PORT + "/  and  http://localhost:" + PORT + "/p/acme/signup");
        tomcat.getServer().await();
    }

    /** Your Tomcat, with the counter mounted next to your own servlets. */
    static Tomcat start(int port, CounterEngine engine) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat-").toString());
        tomcat.setPort(port);
        tomcat.getConnector();
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "app", new ExistingApp());
        context.addServletMappingDecoded("/", "app");

        context.addServletContainerInitializer((classes, servletContext) -> {
            servletContext.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, engine);
            servletContext.addServlet("pixel", PixelServlet.class).addMapping("/p/*");
            servletContext.addServlet("pixel-query", QueryServlet.class).addMapping("/p-query/*");
            servletContext.addServlet("healthcheck", HealthCheckServlet.class).addMapping("/healthcheck");
            FilterRegistration.Dynamic pages = servletContext.addFilter("page-counter", CounterFilter.class);
            pages.setInitParameter("tenant", TENANT);
            pages.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        }, null);

        tomcat.start();
        return tomcat;
    }

    /** Stop taking requests first, then close the engine: it writes queued hits and flushes counts. */
    static void stop(Tomcat tomcat, CounterEngine engine) {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            engine.close();
        }
    }

    private EmbedInTomcat() {
    }
}
