package io.restycounter.app;

import io.restycounter.core.Settings;

/** The Jetty app's own settings, beside the engine's {@code CounterConfig}. */
record ServerSettings(String host, int httpPort, int httpsPort) {

    static ServerSettings from(Settings s) {
        String host = s.get("BIND_ADDRESS", "0.0.0.0");
        int http = s.getInt("HTTP_PORT", 8080, 0, 65535);
        int https = s.getInt("HTTPS_PORT", -1, 0, 65535);
        return new ServerSettings(host, http, https);
    }
}
