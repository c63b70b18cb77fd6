package io.restycounter.core.geoip;

import java.io.IOException;

/**
 * A GeoIP database could not be opened, downloaded or installed. The database already in service, if any,
 * stays in service.
 */
public final class GeoIpException extends IOException {

    public GeoIpException(String message) {
        super(message);
    }

    public GeoIpException(String message, Throwable cause) {
        super(message, cause);
    }
}
