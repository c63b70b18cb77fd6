package io.restycounter.core.geoip;

import io.restycounter.core.ConfigException;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeoIpSettingsTest {

    private static final String KEY = "Abc123_secret";

    @TempDir
    Path dir;

    static GeoIpSettings settings(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return GeoIpSettings.from(Settings.of(m));
    }

    @Test
    void defaults() {
        GeoIpSettings s = settings();
        assertNull(s.db());
        assertNull(s.dir());
        assertEquals(List.of("GeoLite2-City"), s.editions());
        assertEquals(URI.create("https://updates.maxmind.com"), s.updateUrl());
        assertFalse(s.updatesEnabled());
    }

    @Test
    void updatesNeedBothCredentialsAndDefaultTheDirectory() {
        GeoIpSettings s = settings("MAXMIND_ACCOUNT_ID", "123456", "MAXMIND_LICENSE_KEY", KEY,
                "GEOIP_EDITIONS", " GeoLite2-City , GeoLite2-Country,GeoLite2-City", "GEOIP_UPDATE_URL",
                "http://mirror.internal:8080/");
        assertTrue(s.updatesEnabled());
        assertEquals(Path.of("./data/geoip"), s.dir());
        assertEquals(List.of("GeoLite2-City", "GeoLite2-Country"), s.editions());
        assertEquals(URI.create("http://mirror.internal:8080"), s.updateUrl());
        assertEquals(Path.of("./data/geoip/GeoLite2-Country.mmdb"), s.editionFile("GeoLite2-Country"));
        assertFalse(s.toString().contains(KEY), s.toString());

        assertMessage("MAXMIND_LICENSE_KEY: ", "MAXMIND_ACCOUNT_ID", "123456");
        assertMessage("MAXMIND_ACCOUNT_ID: ", "MAXMIND_LICENSE_KEY", KEY);
    }

    @Test
    void badValuesNameTheSettingAndHideSecrets() {
        assertMessage("MAXMIND_ACCOUNT_ID: ", "MAXMIND_ACCOUNT_ID", "12ab", "MAXMIND_LICENSE_KEY", KEY);
        ConfigException e = assertMessage("MAXMIND_LICENSE_KEY: ", "MAXMIND_ACCOUNT_ID", "1",
                "MAXMIND_LICENSE_KEY", "has space" + KEY);
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertMessage("GEOIP_EDITIONS: ", "GEOIP_EDITIONS", "GeoLite2-City,,x");
        assertMessage("GEOIP_EDITIONS: ", "GEOIP_EDITIONS", "../etc/passwd");
        assertMessage("GEOIP_UPDATE_URL: ", "GEOIP_UPDATE_URL", "ftp://updates.maxmind.com");
        ConfigException userInfo = assertMessage("GEOIP_UPDATE_URL: ", "GEOIP_UPDATE_URL",
                "https://user:pw@updates.maxmind.com");
        assertFalse(userInfo.getMessage().contains("pw@"), userInfo.getMessage());
        assertMessage("GEOIP_UPDATE_URL: ", "GEOIP_UPDATE_URL", "not a url");
    }

    private static ConfigException assertMessage(String prefix, String... pairs) {
        ConfigException e = assertThrows(ConfigException.class, () -> settings(pairs));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        return e;
    }

    // ---- GeoIpFactory ----

    @Test
    void noDatabaseGivesTheNullObject() {
        assertSame(GeoIp.none(), GeoIpFactory.open(settings()));
        assertSame(GeoIp.none(), GeoIpFactory.open(settings("GEOIP_DIR", dir.toString())));
    }

    @Test
    void explicitDatabaseIsServedOrRefused() throws Exception {
        Path file = MaxMindGeoIpTest.cityDb(24, "GB").write(dir.resolve("mine.mmdb"));
        try (GeoIp geo = GeoIpFactory.open(settings("GEOIP_DB", file.toString()))) {
            assertEquals("GB", geo.lookup(MaxMindGeoIpTest.ip("81.2.69.142")).orElseThrow().country());
        }
        ConfigException missing = assertThrows(ConfigException.class,
                () -> GeoIpFactory.open(settings("GEOIP_DB", dir.resolve("nope.mmdb").toString())));
        assertTrue(missing.getMessage().startsWith("GEOIP_DB: "), missing.getMessage());
        Path junk = Files.write(dir.resolve("junk.mmdb"), new byte[] {1, 2, 3});
        ConfigException bad = assertThrows(ConfigException.class,
                () -> GeoIpFactory.open(settings("GEOIP_DB", junk.toString())));
        assertTrue(bad.getMessage().startsWith("GEOIP_DB: "), bad.getMessage());
    }

    @Test
    void directoryServesTheFirstEditionElseTheNewestFile() throws Exception {
        Path older = MaxMindGeoIpTest.cityDb(24, "GB").write(dir.resolve("a.mmdb"));
        Path newer = MaxMindGeoIpTest.cityDb(24, "FR").write(dir.resolve("b.mmdb"));
        Files.setLastModifiedTime(older, FileTime.fromMillis(1_000_000_000_000L));
        Files.setLastModifiedTime(newer, FileTime.fromMillis(1_500_000_000_000L));
        Files.write(dir.resolve("notes.txt"), new byte[] {1});
        GeoIpSettings s = settings("GEOIP_DIR", dir.toString(), "GEOIP_EDITIONS", "GeoIP2-City");
        try (GeoIp geo = GeoIpFactory.open(s)) {
            assertEquals("FR", geo.lookup(MaxMindGeoIpTest.ip("81.2.69.142")).orElseThrow().country());
        }
        Files.setLastModifiedTime(older, FileTime.fromMillis(1_600_000_000_000L));
        try (GeoIp geo = GeoIpFactory.open(s)) {
            assertEquals("GB", geo.lookup(MaxMindGeoIpTest.ip("81.2.69.142")).orElseThrow().country());
        }
        MaxMindGeoIpTest.cityDb(24, "IE").write(dir.resolve("GeoIP2-City.mmdb"));
        Files.setLastModifiedTime(dir.resolve("GeoIP2-City.mmdb"), FileTime.fromMillis(1_000L));
        try (GeoIp geo = GeoIpFactory.open(s)) {
            assertEquals("IE", geo.lookup(MaxMindGeoIpTest.ip("81.2.69.142")).orElseThrow().country());
        }
    }

    @Test
    void withUpdatesOnAMissingDatabaseAwaitsTheFirstDownload() {
        GeoIp geo = GeoIpFactory.open(settings("GEOIP_DIR", dir.toString(), "MAXMIND_ACCOUNT_ID", "1",
                "MAXMIND_LICENSE_KEY", KEY));
        MaxMindGeoIp m = assertInstanceOf(MaxMindGeoIp.class, geo);
        assertEquals(dir.resolve("GeoLite2-City.mmdb").toAbsolutePath().normalize(), m.path());
        assertTrue(m.lookup(MaxMindGeoIpTest.ip("81.2.69.142")).isEmpty());
        m.close();
    }

    @Test
    void updaterNeedsCredentials() {
        assertThrows(IllegalArgumentException.class, () -> new GeoIpUpdater(settings(), GeoIp.none()));
    }
}
