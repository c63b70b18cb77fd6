package io.restycounter.core.geoip;

import io.restycounter.core.ConfigException;
import io.restycounter.core.GeoIp;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the GeoIP database a counter serves, from {@link GeoIpSettings}. */
public final class GeoIpFactory {

    static final String NO_DATABASE = "no GeoIP database: hits are logged without location";

    private static final Logger LOG = LoggerFactory.getLogger(GeoIpFactory.class);

    private GeoIpFactory() {
    }

    /**
     * The database to serve: GEOIP_DB; else {@code {GEOIP_DIR}/{first edition}.mmdb}; else the newest
     * {@code .mmdb} in GEOIP_DIR. With none of them, {@link GeoIp#none()} and one log line; but when updates
     * are on, a {@link MaxMindGeoIp} that answers empty until the updater installs the first edition.
     *
     * @throws ConfigException when GEOIP_DB is set and is not a readable City or Country database (and is not
     *                         the file the updater will write)
     */
    public static GeoIp open(GeoIpSettings settings) {
        Path primary = settings.dir() == null ? null : settings.editionFile(settings.editions().get(0));
        if (settings.db() != null) {
            Path db = settings.db();
            if (Files.isRegularFile(db)) {
                try {
                    return opened(MaxMindGeoIp.open(db));
                } catch (GeoIpException e) {
                    throw new ConfigException("GEOIP_DB: expected a GeoIP2 or GeoLite2 City or Country .mmdb file; "
                            + e.getMessage());
                }
            }
            if (!settings.updatesEnabled() || !same(db, primary)) {
                throw new ConfigException("GEOIP_DB: expected a GeoIP2 or GeoLite2 City or Country .mmdb file; "
                        + "no file at " + db);
            }
        } else if (settings.dir() != null) {
            Path candidate = Files.isRegularFile(primary) ? primary : newestDatabase(settings.dir());
            if (candidate != null) {
                try {
                    return opened(MaxMindGeoIp.open(candidate));
                } catch (GeoIpException e) {
                    LOG.warn("GeoIP database not used: {}", e.getMessage());
                }
            }
        }
        if (settings.updatesEnabled()) {
            LOG.info(NO_DATABASE + " until the first GeoIP update installs {}", primary);
            return MaxMindGeoIp.awaiting(primary);
        }
        LOG.info(NO_DATABASE);
        return GeoIp.none();
    }

    private static GeoIp opened(MaxMindGeoIp geoIp) {
        LOG.info("GeoIP database {} ({}) in service", geoIp.path(), geoIp.databaseType());
        return geoIp;
    }

    private static boolean same(Path a, Path b) {
        return b != null && a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** The most recently modified {@code *.mmdb} regular file in {@code dir}, or null. */
    static Path newestDatabase(Path dir) {
        Path newest = null;
        FileTime newestTime = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.mmdb")) {
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    continue;
                }
                FileTime t = Files.getLastModifiedTime(f);
                if (newestTime == null || t.compareTo(newestTime) > 0) {
                    newest = f;
                    newestTime = t;
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}", dir, e);
            return null;
        }
        return newest;
    }
}
