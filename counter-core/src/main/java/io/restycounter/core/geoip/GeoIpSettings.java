package io.restycounter.core.geoip;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * GeoIP configuration, parsed and validated once. Immutable.
 *
 * <table>
 * <caption>settings</caption>
 * <tr><td>GEOIP_DB</td><td>the {@code .mmdb} to serve; wins over GEOIP_DIR</td></tr>
 * <tr><td>GEOIP_DIR</td><td>where downloads go; without GEOIP_DB the database served is
 *     {@code {first edition}.mmdb} there, else the newest {@code .mmdb}. Defaults to ./data/geoip when
 *     updates are on</td></tr>
 * <tr><td>GEOIP_EDITIONS</td><td>comma-separated edition ids to download, default GeoLite2-City</td></tr>
 * <tr><td>GEOIP_UPDATE_URL</td><td>default https://updates.maxmind.com</td></tr>
 * <tr><td>MAXMIND_ACCOUNT_ID, MAXMIND_LICENSE_KEY</td><td>both set = weekly updates on</td></tr>
 * </table>
 */
public final class GeoIpSettings {

    public static final String DEFAULT_EDITION = "GeoLite2-City";
    public static final String DEFAULT_UPDATE_URL = "https://updates.maxmind.com";
    static final String DEFAULT_DIR = "./data/geoip";

    private final Path db;
    private final Path dir;
    private final List<String> editions;
    private final URI updateUrl;
    private final String accountId;
    private final String licenseKey;

    private GeoIpSettings(Settings s) {
        db = path(s, "GEOIP_DB");
        accountId = s.get("MAXMIND_ACCOUNT_ID");
        licenseKey = s.get("MAXMIND_LICENSE_KEY");
        if (accountId != null && licenseKey == null) {
            throw new ConfigException("MAXMIND_LICENSE_KEY: expected a license key, as MAXMIND_ACCOUNT_ID is set");
        }
        if (licenseKey != null && accountId == null) {
            throw new ConfigException("MAXMIND_ACCOUNT_ID: expected an account id, as MAXMIND_LICENSE_KEY is set");
        }
        if (accountId != null && !isDigits(accountId)) {
            throw Settings.invalidSecret("MAXMIND_ACCOUNT_ID", "the numeric MaxMind account id");
        }
        if (licenseKey != null && !isPrintable(licenseKey)) {
            throw Settings.invalidSecret("MAXMIND_LICENSE_KEY", "a MaxMind license key");
        }
        Path d = path(s, "GEOIP_DIR");
        dir = d == null && accountId != null ? Path.of(DEFAULT_DIR) : d;
        editions = editions(s.get("GEOIP_EDITIONS", DEFAULT_EDITION));
        updateUrl = updateUrl(s.get("GEOIP_UPDATE_URL", DEFAULT_UPDATE_URL));
    }

    public static GeoIpSettings from(Settings settings) {
        return new GeoIpSettings(settings);
    }

    /** GEOIP_DB, or null. */
    public Path db() {
        return db;
    }

    /** GEOIP_DIR (defaulted when updates are on), or null. */
    public Path dir() {
        return dir;
    }

    public List<String> editions() {
        return editions;
    }

    /** The update server, without a trailing slash. */
    public URI updateUrl() {
        return updateUrl;
    }

    /** Whether MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY are set. */
    public boolean updatesEnabled() {
        return accountId != null;
    }

    String accountId() {
        return accountId;
    }

    String licenseKey() {
        return licenseKey;
    }

    /** Where the updater installs {@code edition}: {@code {GEOIP_DIR}/{edition}.mmdb}. */
    public Path editionFile(String edition) {
        return dir.resolve(edition + ".mmdb");
    }

    @Override
    public String toString() {
        return "GeoIpSettings[db=" + db + ", dir=" + dir + ", editions=" + editions + ", updateUrl=" + updateUrl
                + ", updates=" + (updatesEnabled() ? "on (license key not shown)" : "off") + "]";
    }

    private static Path path(Settings s, String name) {
        String v = s.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw Settings.invalid(name, "a file system path", v);
        }
    }

    private static List<String> editions(String v) {
        List<String> list = new ArrayList<>();
        int start = 0;
        while (start <= v.length()) {
            int comma = v.indexOf(',', start);
            int end = comma < 0 ? v.length() : comma;
            String one = v.substring(start, end).trim();
            if (!isEditionId(one)) {
                throw Settings.invalid("GEOIP_EDITIONS",
                        "comma-separated edition ids such as GeoLite2-City,GeoLite2-Country", v);
            }
            if (!list.contains(one)) {
                list.add(one);
            }
            start = end + 1;
        }
        return List.copyOf(list);
    }

    private static boolean isEditionId(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static URI updateUrl(String v) {
        String trimmed = v;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        try {
            URI uri = new URI(trimmed);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        String expected = "an http(s) URL without user info, such as " + DEFAULT_UPDATE_URL;
        throw v.indexOf('@') >= 0 ? Settings.invalidSecret("GEOIP_UPDATE_URL", expected)
                : Settings.invalid("GEOIP_UPDATE_URL", expected, v);
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return s.length() <= 18;
    }

    private static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) <= ' ' || s.charAt(i) >= 0x7F) {
                return false;
            }
        }
        return s.length() <= 256;
    }
}
