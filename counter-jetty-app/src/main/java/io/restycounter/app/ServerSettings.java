package io.restycounter.app;

import io.restycounter.app.admin.AdminSettings;
import io.restycounter.core.Settings;

/**
 * The Jetty app's own settings, beside the engine's {@code CounterConfig}.
 *
 * @param maxHeaderBytes         request line and headers together, so also the longest URI (431 or 414 past it)
 * @param idleTimeoutMillis      a connection with nothing to read or write this long is closed
 * @param maxConnectionsPerClient open connections one address may hold (trusted proxies excepted); a slow
 *                               client holding many open is what a slowloris attack needs
 * @param admin                  the admin port (metrics, liveness, readiness), off unless ADMIN_PORT is set
 */
record ServerSettings(String host, int httpPort, int httpsPort, int maxHeaderBytes, int idleTimeoutMillis,
                      int maxConnectionsPerClient, AdminSettings admin) {

    static ServerSettings from(Settings s) {
        String host = s.get("BIND_ADDRESS", "0.0.0.0");
        int http = s.getInt("HTTP_PORT", 8080, 0, 65535);
        int https = s.getInt("HTTPS_PORT", -1, 0, 65535);
        int headers = s.getInt("MAX_HEADER_BYTES", 8192, 1024, 65536);
        int idle = s.getInt("IDLE_TIMEOUT_MS", 30_000, 100, 3_600_000);
        int perClient = s.getInt("MAX_CONNECTIONS_PER_CLIENT", 100, 1, 1_000_000);
        return new ServerSettings(host, http, https, headers, idle, perClient, AdminSettings.from(s));
    }
}
