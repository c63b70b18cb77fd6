package io.restycounter.app.admin;

import io.restycounter.core.Settings;
import io.restycounter.servlet.CounterMeters;

/**
 * Where the admin port listens.
 *
 * @param bind ADMIN_BIND, 127.0.0.1 unless set: metrics tell more than a stranger should read
 * @param port ADMIN_PORT, -1 (off) unless set; 0 takes a free port
 * @param tenantLabels how many tenants get metrics of their own (METRICS_PER_TENANT, METRICS_MAX_TENANTS); 0: none
 */
public record AdminSettings(String bind, int port, int tenantLabels) {

    public static final AdminSettings OFF = new AdminSettings("127.0.0.1", -1, 0);

    public static AdminSettings from(Settings s) {
        return new AdminSettings(s.get("ADMIN_BIND", "127.0.0.1"), s.getInt("ADMIN_PORT", -1, 0, 65535),
                CounterMeters.tenantLabels(s));
    }

    public boolean enabled() {
        return port >= 0;
    }
}
