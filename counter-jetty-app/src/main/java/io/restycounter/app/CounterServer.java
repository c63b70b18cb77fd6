package io.restycounter.app;

import io.restycounter.app.tls.AcmeChallengeHandler;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.app.tls.HttpsConnector;
import io.restycounter.core.CounterEngine;
import java.util.List;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turnkey server: Jetty core handlers around one {@link CounterEngine}, no servlet layer.
 * {@link #stop()} stops taking requests, lets those in flight finish, then closes the engine,
 * which writes every queued hit to the log and flushes every count to the store.
 */
final class CounterServer {

    private static final Logger LOG = LoggerFactory.getLogger(CounterServer.class);
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final CounterEngine engine;
    private final List<AutoCloseable> background;
    private final Server server;
    private final ServerConnector http;
    private final ServerConnector https;
    private final CertificateManager certificates;

    private CounterServer(CounterEngine engine, ServerSettings settings, CertificateManager certificates,
            List<AutoCloseable> background) throws Exception {
        this.engine = engine;
        this.background = List.copyOf(background);
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("http");
        server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        config.setRequestHeaderSize(settings.maxHeaderBytes());
        // Let an encoded '/' or '.' reach the pixel parser, which answers 404 with the GIF,
        // instead of Jetty's bare 400 page. Handlers read the raw path, so nothing decodes it into
        // a different route.
        config.setUriCompliance(UriCompliance.DEFAULT.with("counter",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        // HTTP/2 over cleartext, by upgrade or prior knowledge, for clients and proxies that speak it.
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(config);
        http = new ServerConnector(server, http1, h2c);
        http.setHost(settings.host());
        http.setPort(settings.httpPort());
        http.setIdleTimeout(settings.idleTimeoutMillis());
        ClientConnectionLimit perClient =
                new ClientConnectionLimit(settings.maxConnectionsPerClient(), engine.config().clientAddresses());
        http.addBean(perClient);
        server.addConnector(http);

        Handler.Sequence handlers = new Handler.Sequence(new CounterHandler(engine, threads));

        // Automatic HTTPS (ACME), only when HTTPS_PORT is set: see CertificateManager.
        this.certificates = certificates;
        if (certificates != null) {
            server.addBean(certificates);
            handlers.addHandler(new AcmeChallengeHandler(certificates));
            https = HttpsConnector.create(server, config, certificates, settings.host(), settings.httpsPort());
            https.setIdleTimeout(settings.idleTimeoutMillis());
            https.addBean(perClient);
            server.addConnector(https);
        } else {
            https = null;
        }

        server.setHandler(handlers);
        server.setStopTimeout(STOP_TIMEOUT_MILLIS);
    }

    /**
     * Starts serving around an engine that is already started, with HTTPS when {@code certificates}
     * is not null. The server owns the engine and the background components (schedules) from now on,
     * and closes them when it stops.
     */
    static CounterServer start(CounterEngine engine, ServerSettings settings, CertificateManager certificates,
            List<AutoCloseable> background) throws Exception {
        CounterServer s;
        try {
            s = new CounterServer(engine, settings, certificates, background);
        } catch (Exception e) {
            for (AutoCloseable component : background) {
                component.close();
            }
            engine.close();
            throw e;
        }
        try {
            s.server.start();
            if (certificates != null) {
                certificates.orderAhead();
            }
        } catch (Exception e) {
            s.stop();
            throw e;
        }
        return s;
    }

    /** The HTTP port, useful when it was 0. */
    int port() {
        return http.getLocalPort();
    }

    /** The HTTPS port, or -1 without HTTPS. */
    int httpsPort() {
        return https == null ? -1 : https.getLocalPort();
    }

    /** The certificates served over HTTPS, or null without HTTPS. */
    CertificateManager certificates() {
        return certificates;
    }

    CounterEngine engine() {
        return engine;
    }

    void stop() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping Jetty: {}", e.toString());
        }
        for (AutoCloseable component : background) {
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("stopping {}: {}", component, e.toString());
            }
        }
        engine.close();
    }

    void join() throws InterruptedException {
        server.join();
    }
}
