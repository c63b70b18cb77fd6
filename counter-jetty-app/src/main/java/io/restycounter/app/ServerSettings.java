package io.restycounter.app;

import com.sun.management.UnixOperatingSystemMXBean;
import io.restycounter.app.admin.AdminSettings;
import io.restycounter.core.Settings;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The Jetty app's own settings, beside the engine's {@code CounterConfig}.
 *
 * @param maxHeaderBytes         request line and headers together, so also the longest URI (431 or 414 past it)
 * @param idleTimeoutMillis      a connection with nothing to read or write this long is closed
 * @param maxConnectionsPerClient open connections one address (IPv6: one /64) may hold (trusted proxies
 *                               excepted); a slow client holding many open is what a slowloris attack needs
 * @param maxConnections         open connections in all; past it the server accepts no more until one closes
 * @param headerTimeoutMillis    a request line and headers must arrive whole this long after they begin
 * @param admin                  the admin port (metrics, liveness, readiness), off unless ADMIN_PORT is set
 */
record ServerSettings(String host, int httpPort, int httpsPort, int maxHeaderBytes, int idleTimeoutMillis,
                      int maxConnectionsPerClient, int maxConnections, int headerTimeoutMillis, AdminSettings admin) {

    /** Without a file-descriptor limit to go by (not a Unix JVM). */
    static final int FALLBACK_MAX_CONNECTIONS = 10_000;

    static ServerSettings from(Settings s) {
        String host = s.get("BIND_ADDRESS", "0.0.0.0");
        int http = s.getInt("HTTP_PORT", 8080, 0, 65535);
        int https = s.getInt("HTTPS_PORT", -1, 0, 65535);
        int headers = s.getInt("MAX_HEADER_BYTES", 8192, 1024, 65536);
        int idle = s.getInt("IDLE_TIMEOUT_MS", 30_000, 100, 3_600_000);
        int perClient = s.getInt("MAX_CONNECTIONS_PER_CLIENT", 100, 1, 1_000_000);
        int all = s.getInt("MAX_CONNECTIONS", defaultMaxConnections(), 1, 10_000_000);
        int headerTimeout = s.getInt("HEADER_TIMEOUT_MS", 10_000, 100, 3_600_000);
        return new ServerSettings(host, http, https, headers, idle, perClient, all, headerTimeout,
                AdminSettings.from(s));
    }

    /**
     * Nine tenths of the open-file limit, leaving the rest for log files, Redis, GeoIP and the JVM: past
     * the limit every accept fails, and so does opening the next day's log.
     */
    static int defaultMaxConnections() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix && unix.getMaxFileDescriptorCount() > 0) {
            return (int) Math.max(1, Math.min(10_000_000, unix.getMaxFileDescriptorCount() * 9 / 10));
        }
        return FALLBACK_MAX_CONNECTIONS;
    }
}
