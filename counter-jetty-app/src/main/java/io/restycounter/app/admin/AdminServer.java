package io.restycounter.app.admin;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.core.CounterEngine;
import io.restycounter.s3.DailyShipSchedule;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The admin port: {@code /metrics} (Prometheus text), {@code /livez}, {@code /readyz}. A Jetty server of its
 * own, with its own few threads, so a scrape never takes a thread from the pixels and a flood of pixels never
 * keeps a probe waiting; nothing here is reachable on the public port.
 */
public final class AdminServer {

    static final String TEXT = "text/plain; charset=utf-8";
    /** Prometheus's text exposition format, what {@link PrometheusMeterRegistry#scrape()} writes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Server server;
    private final ServerConnector connector;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * @param counter      binds the engine's meters ({@code CounterMeters}, as a webapp gets them)
     * @param shipping     null without AWS_PATH
     * @param certificates null without HTTPS
     */
    public AdminServer(AdminSettings settings, Readiness readiness, MeterBinder counter, CounterEngine engine,
            DailyShipSchedule shipping, CertificateManager certificates) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ServerMeters server = new ServerMeters(engine, shipping, certificates);
        for (MeterBinder b : List.of(counter, server, new JvmMemoryMetrics(), gc, new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics())) {
            b.bindTo(registry);
        }
        QueuedThreadPool threads = new QueuedThreadPool(4, 1);
        threads.setName("admin");
        this.server = new Server(threads);
        connector = new ServerConnector(this.server, 1, 1);
        connector.setHost(settings.bind());
        connector.setPort(settings.port());
        this.server.addConnector(connector);
        this.server.setHandler(new Routes(readiness, registry, server));
        this.server.setStopTimeout(1_000);
    }

    public void start() throws Exception {
        server.start();
    }

    /** The port it listens on, useful when it was 0. */
    public int port() {
        return connector.getLocalPort();
    }

    public void stop() throws Exception {
        try {
            server.stop();
        } finally {
            gc.close();
            registry.close();
        }
    }

    private static final class Routes extends Handler.Abstract {

        private final Readiness readiness;
        private final PrometheusMeterRegistry registry;
        private final ServerMeters server;

        Routes(Readiness readiness, PrometheusMeterRegistry registry, ServerMeters server) {
            this.readiness = readiness;
            this.registry = registry;
            this.server = server;
        }

        private String scrape() {
            server.refresh();
            return registry.scrape();
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            switch (request.getHttpURI().getPath()) {
                case "/metrics" -> answer(response, callback, 200, PROMETHEUS_TEXT, scrape());
                case "/livez" -> answer(response, callback, 200, TEXT, "OK\n");
                case "/readyz" -> {
                    String why = readiness.notReadyBecause();
                    answer(response, callback, why == null ? 200 : 503, TEXT, why == null ? "OK\n" : why + "\n");
                }
                default -> answer(response, callback, 404, TEXT, "not found: /metrics, /livez, /readyz\n");
            }
            return true;
        }

        private static void answer(Response response, Callback callback, int status, String type, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        }
    }
}
