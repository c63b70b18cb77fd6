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

    private GeoIpSettings(Path db, Path dir, List<String> editions, URI updateUrl, String accountId,
            String licenseKey) {
        this.db = db;
        this.dir = dir;
        this.editions = editions;
        this.updateUrl = updateUrl;
        this.accountId = accountId;
        this.licenseKey = licenseKey;
    }

    /** From the environment's GEOIP_* and MAXMIND_* strings; see {@link #of} for the checks. */
    public static GeoIpSettings from(Settings settings) {
        return of(path(settings, "GEOIP_DB"), path(settings, "GEOIP_DIR"), editionList(settings.get("GEOIP_EDITIONS")),
                parseUpdateUrl(settings.get("GEOIP_UPDATE_URL")), settings.get("MAXMIND_ACCOUNT_ID"),
                settings.get("MAXMIND_LICENSE_KEY"));
    }

    /**
     * Typed GeoIP settings, checked together. Each argument may be null for its default.
     *
     * @param db         GEOIP_DB, the {@code .mmdb} to serve
     * @param dir        GEOIP_DIR; defaults to ./data/geoip when updates are on
     * @param editions   GEOIP_EDITIONS, edition ids (surrounding blanks ignored, repeats dropped)
     * @param updateUrl  GEOIP_UPDATE_URL, an http(s) URL without user info
     * @param accountId  MAXMIND_ACCOUNT_ID, set together with {@code licenseKey}
     * @param licenseKey MAXMIND_LICENSE_KEY
     * @throws ConfigException naming the environment variable of the first bad value
     */
    public static GeoIpSettings of(Path db, Path dir, List<String> editions, URI updateUrl, String accountId,
            String licenseKey) {
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
        Path d = dir == null && accountId != null ? Path.of(DEFAULT_DIR) : dir;
        return new GeoIpSettings(db, d, checkedEditions(editions == null ? List.of(DEFAULT_EDITION) : editions),
                checkedUpdateUrl(updateUrl == null ? URI.create(DEFAULT_UPDATE_URL) : updateUrl), accountId,
                licenseKey);
    }

    /** GEOIP_EDITIONS split at its commas, blanks kept (so a message can show it as written), or null. */
    public static List<String> editionList(String value) {
        return value == null ? null : List.of(value.split(",", -1));
    }

    /**
     * GEOIP_UPDATE_URL as a URI, or null when unset. Only the syntax is checked here: {@link #of} checks
     * the rest.
     */
    public static URI parseUpdateUrl(String value) {
        if (value == null) {
            return null;
        }
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw badUpdateUrl(value);
        }
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

    private static List<String> checkedEditions(List<String> given) {
        List<String> list = new ArrayList<>();
        for (String edition : given) {
            String one = edition.trim();
            if (!isEditionId(one)) {
                throw Settings.invalid("GEOIP_EDITIONS",
                        "comma-separated edition ids such as GeoLite2-City,GeoLite2-Country", String.join(",", given));
            }
            if (!list.contains(one)) {
                list.add(one);
            }
        }
        if (list.isEmpty()) {
            throw Settings.invalid("GEOIP_EDITIONS",
                    "comma-separated edition ids such as GeoLite2-City,GeoLite2-Country", "");
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

    private static URI checkedUpdateUrl(URI given) {
        String v = given.toString();
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
        throw badUpdateUrl(v);
    }

    private static ConfigException badUpdateUrl(String v) {
        String expected = "an http(s) URL without user info, such as " + DEFAULT_UPDATE_URL;
        return v.indexOf('@') >= 0 ? Settings.invalidSecret("GEOIP_UPDATE_URL", expected)
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
