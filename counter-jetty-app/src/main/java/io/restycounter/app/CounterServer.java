package io.restycounter.app;

import io.restycounter.app.admin.AdminServer;
import io.restycounter.app.admin.Readiness;
import io.restycounter.app.tls.AcmeChallengeHandler;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.app.tls.HttpsConnector;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Lifecycle;
import io.restycounter.core.http.PixelTally;
import io.restycounter.s3.DailyShipSchedule;
import io.restycounter.servlet.CounterMeters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turnkey server: Jetty core handlers around one {@link CounterEngine}, no servlet layer.
 * {@link #stop()} stops taking requests, lets those in flight finish, stops the background parts, then
 * closes the engine, which writes every queued hit to the log and flushes every count to the store.
 */
final class CounterServer {

    private static final Logger LOG = LoggerFactory.getLogger(CounterServer.class);
    private static final long STOP_TIMEOUT_MILLIS = 5_000;
    /**
     * How long {@link #stop()} waits for each background part: above the 30 s the slowest part promises.
     * A part still stopping then is logged and left; the others still stop.
     */
    static final Duration PART_STOP_BOUND = Duration.ofSeconds(35);

    private final CounterEngine engine;
    /** Certificate renewal first (when HTTPS is on), then the parts in the order given. */
    private final List<Lifecycle> background;
    private final Duration partStopBound;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Server server;
    private final ServerConnector http;
    private final ServerConnector https;
    private final CertificateManager certificates;
    private final Readiness readiness;
    /** Null unless ADMIN_PORT is set. */
    private final AdminServer admin;

    /**
     * The listening sockets, bound before anything else starts: a port in use stops start-up before the
     * engine, the daily aggregation or the node-id file touch anything. {@code https} is null without HTTPS.
     */
    record Ports(ServerSocketChannel http, ServerSocketChannel https) implements AutoCloseable {

        /** Binds HTTP_PORT (and HTTPS_PORT when set) on BIND_ADDRESS; the exception names the setting. */
        static Ports bind(ServerSettings settings) throws PortException {
            ServerSocketChannel http = bind("HTTP_PORT", settings.host(), settings.httpPort());
            if (settings.httpsPort() < 0) {
                return new Ports(http, null);
            }
            try {
                return new Ports(http, bind("HTTPS_PORT", settings.host(), settings.httpsPort()));
            } catch (PortException e) {
                closeQuietly(http);
                throw e;
            }
        }

        private static ServerSocketChannel bind(String name, String host, int port) throws PortException {
            ServerSocketChannel channel = null;
            try {
                channel = ServerSocketChannel.open();
                // As Jetty binds its own: a restart right after a stop must not wait for TIME_WAIT.
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(new InetSocketAddress(host, port));
                return channel;
            } catch (IOException e) {
                closeQuietly(channel);
                throw new PortException(name + ": cannot listen on " + host + ":" + port + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
            }
        }

        @Override
        public void close() {
            closeQuietly(http);
            closeQuietly(https);
        }

        private static void closeQuietly(ServerSocketChannel c) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // nothing was accepted on it
                }
            }
        }
    }

    /** A port that cannot be listened on; the message names the setting and the operating system's reason. */
    static final class PortException extends IOException {
        PortException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private CounterServer(CounterEngine engine, ServerSettings settings, Ports ports, CertificateManager certificates,
            List<Lifecycle> background, Duration partStopBound) throws Exception {
        this.engine = engine;
        this.background = owned(certificates, background);
        this.partStopBound = partStopBound;
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
        HeaderTimeout headerTimeout = new HeaderTimeout(settings.headerTimeoutMillis(), http.getScheduler());
        http.addBean(headerTimeout);
        server.addConnector(http);
        if (ports != null) {
            http.open(ports.http());
        }

        PixelTally tally = new PixelTally();
        Handler.Sequence handlers = new Handler.Sequence(new CounterHandler(engine, threads, tally));
        readiness = new Readiness(engine);
        admin = settings.admin().enabled()
                ? new AdminServer(settings.admin(), readiness, new CounterMeters(engine, tally, settings.admin().tenantLabels()), engine,
                        shipping(background), certificates) : null;

        // Automatic HTTPS (ACME), only when HTTPS_PORT is set: see CertificateManager.
        this.certificates = certificates;
        if (certificates != null) {
            handlers.addHandler(new AcmeChallengeHandler(certificates));
            https = HttpsConnector.create(server, config, certificates, settings.host(), settings.httpsPort());
            https.setIdleTimeout(settings.idleTimeoutMillis());
            https.addBean(perClient);
            https.addBean(headerTimeout);
            server.addConnector(https);
            if (ports != null && ports.https() != null) {
                https.open(ports.https());
            }
        } else {
            https = null;
        }

        // Counts every connector's connections: past the cap the server stops accepting until one closes.
        server.addBean(new NetworkConnectionLimit(settings.maxConnections(), server));
        server.setHandler(handlers);
        server.setStopTimeout(STOP_TIMEOUT_MILLIS);
    }

    /**
     * Starts serving around an engine that is already started, with HTTPS when {@code certificates} is not
     * null. From now on the server owns the engine, the certificates and the background parts: it starts the
     * certificates and the parts in that order before Jetty, and when it stops or fails to start, stops each
     * part once, then closes the engine.
     */
    static CounterServer start(CounterEngine engine, ServerSettings settings, CertificateManager certificates,
            List<Lifecycle> background) throws Exception {
        return start(engine, settings, null, certificates, background, PART_STOP_BOUND);
    }

    /** As above, on ports {@link Ports#bind bound} before the engine started; the server owns them from now on. */
    static CounterServer start(CounterEngine engine, ServerSettings settings, Ports ports,
            CertificateManager certificates, List<Lifecycle> background) throws Exception {
        return start(engine, settings, ports, certificates, background, PART_STOP_BOUND);
    }

    static CounterServer start(CounterEngine engine, ServerSettings settings, CertificateManager certificates,
            List<Lifecycle> background, Duration partStopBound) throws Exception {
        return start(engine, settings, null, certificates, background, partStopBound);
    }

    private static CounterServer start(CounterEngine engine, ServerSettings settings, Ports ports,
            CertificateManager certificates, List<Lifecycle> background, Duration partStopBound) throws Exception {
        CounterServer s;
        try {
            s = new CounterServer(engine, settings, ports, certificates, background, partStopBound);
        } catch (Exception e) {
            if (ports != null) {
                ports.close();
            }
            stopAll(owned(certificates, background), partStopBound);
            engine.close();
            throw e;
        }
        try {
            // First, so that /readyz says "starting" (503) while the rest starts.
            if (s.admin != null) {
                s.admin.start();
            }
            // Listening before the background parts start: a port in use must not follow yesterday's aggregation.
            s.http.open();
            if (s.https != null) {
                s.https.open();
            }
            for (Lifecycle part : s.background) {
                part.start();
            }
            s.server.start();
            if (certificates != null) {
                certificates.orderAhead();
            }
            s.readiness.serving();
        } catch (Exception e) {
            s.stop();
            throw e;
        }
        return s;
    }

    private static DailyShipSchedule shipping(List<Lifecycle> background) {
        for (Lifecycle part : background) {
            if (part instanceof DailyShipSchedule s) {
                return s;
            }
        }
        return null;
    }

    private static List<Lifecycle> owned(CertificateManager certificates, List<Lifecycle> background) {
        List<Lifecycle> all = new ArrayList<>();
        if (certificates != null) {
            all.add(certificates);
        }
        all.addAll(background);
        return List.copyOf(all);
    }

    /** The HTTP port, useful when it was 0. */
    int port() {
        return http.getLocalPort();
    }

    /** The HTTPS port, or -1 without HTTPS. */
    int httpsPort() {
        return https == null ? -1 : https.getLocalPort();
    }

    /** The admin port, or -1 without one. */
    int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The certificates served over HTTPS, or null without HTTPS. */
    CertificateManager certificates() {
        return certificates;
    }

    CounterEngine engine() {
        return engine;
    }

    /**
     * Says "draining" on /readyz, stops Jetty (letting requests in flight finish), each background part once
     * (each within {@link #PART_STOP_BOUND}), then the engine, then the admin port. A second call does nothing.
     */
    void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        readiness.draining();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping Jetty: {}", e.toString());
        }
        // A connector opened before a start that failed is not closed by Jetty's stop.
        http.close();
        if (https != null) {
            https.close();
        }
        stopAll(background, partStopBound);
        engine.close();
        if (admin != null) {
            try {
                admin.stop();
            } catch (Exception e) {
                LOG.warn("stopping the admin port: {}", e.toString());
            }
        }
    }

    /**
     * Stops each part in turn on a thread of its own, waiting up to {@code bound} for it: a part that hangs
     * is logged and left, so it cannot keep the others (and the engine's final flush) from stopping.
     */
    static void stopAll(List<Lifecycle> parts, Duration bound) {
        for (Lifecycle part : parts) {
            String name = part.getClass().getSimpleName();
            Thread stopper = new Thread(() -> {
                try {
                    part.stop();
                } catch (RuntimeException e) {
                    LOG.warn("stopping {}: {}", name, e.toString());
                }
            }, "stop-" + name);
            stopper.setDaemon(true);
            stopper.start();
            try {
                stopper.join(bound.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("interrupted while stopping {}; the remaining parts are left running", name);
                return;
            }
            if (stopper.isAlive()) {
                LOG.error("{} did not stop within {} s; it is left, and the other parts stop", name, bound.toSeconds());
            }
        }
    }

    void join() throws InterruptedException {
        server.join();
    }
}
