package io.restycounter.core.geoip;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Location;
import com.maxmind.geoip2.record.Subdivision;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locations from a MaxMind GeoIP2 or GeoLite2 City or Country database ({@code .mmdb}), swapped for a newer
 * file while lookups go on.
 *
 * <p>Addresses that cannot be on the public internet (loopback, private, link-local, carrier-grade NAT,
 * unique-local, multicast) and addresses the database does not know give {@link Optional#empty()}; a lookup
 * never throws.
 *
 * <p>Swapping: {@link #reload(Path)} opens and checks the new file first, then publishes it with one atomic
 * write; a lookup already running finishes on the database it started with. Each open database is reference
 * counted (one reference held by this object while the database is current, one per lookup in flight) and is
 * closed by whoever drops the last reference. A grace period would be simpler but could close a reader under
 * a lookup stalled longer than the period (a GC pause, a page fault on a cold memory-mapped page); counting
 * cannot. The counter is one CAS pair per lookup and lookups come from the single log-writer thread, so it is
 * not contended.
 */
public final class MaxMindGeoIp implements GeoIp {

    private static final Logger LOG = LoggerFactory.getLogger(MaxMindGeoIp.class);
    private static final int RECENT_BITS = 12;

    private final AtomicReference<Db> current;
    private volatile Path path;

    private MaxMindGeoIp(Path path, Db db) {
        this.path = path;
        this.current = new AtomicReference<>(db);
    }

    /** Opens {@code file}, which must be a City or Country database. */
    public static MaxMindGeoIp open(Path file) throws GeoIpException {
        Path p = file.toAbsolutePath().normalize();
        return new MaxMindGeoIp(p, Db.open(p));
    }

    /**
     * A GeoIp with no database yet, answering empty until {@link #reload(Path)} installs one (for a counter
     * whose first database is still to be downloaded).
     */
    static MaxMindGeoIp awaiting(Path file) {
        return new MaxMindGeoIp(file.toAbsolutePath().normalize(), Db.none(false));
    }

    @Override
    public Optional<Geo> lookup(InetAddress address) {
        if (address == null || !isPublic(address)) {
            return Optional.empty();
        }
        while (true) {
            Db db = current.get();
            // acquire() fails only once db has been retired, and by then current holds its successor.
            if (db.acquire()) {
                try {
                    return db.lookup(address);
                } finally {
                    db.release();
                }
            }
        }
    }

    /**
     * Opens {@code file} and puts it in service in place of the current database. When the file cannot be
     * opened or is not a City or Country database, the current database stays in service and this throws.
     */
    public void reload(Path file) throws GeoIpException {
        Path p = file.toAbsolutePath().normalize();
        Db next = Db.open(p);
        Db previous;
        synchronized (this) {
            if (current.get().closed) {
                next.release();
                throw new GeoIpException("GeoIP database is closed");
            }
            previous = current.getAndSet(next);
            path = p;
        }
        previous.release();
        LOG.info("GeoIP database {} ({}, built {}) in service", p, next.type, next.built);
    }

    /**
     * Reloads the file in service when its modification time or size changed since it was opened; cheap
     * enough to call every minute. Never throws: a file that does not open is logged and the current
     * database stays.
     *
     * @return whether a new database was put in service
     */
    public boolean reloadIfModified() {
        Path p = path;
        Db db = current.get();
        FileStamp stamp = FileStamp.of(p);
        if (stamp == null || stamp.equals(db.stamp)) {
            return false;
        }
        try {
            reload(p);
            return true;
        } catch (GeoIpException e) {
            LOG.warn("GeoIP database {} changed but was not reloaded: {}", p, e.getMessage());
            return false;
        }
    }

    /** The file in service, or expected when no database is open yet. */
    public Path path() {
        return path;
    }

    /** The {@code database_type} of the database in service, e.g. {@code GeoLite2-City}; null when none. */
    public String databaseType() {
        return current.get().type;
    }

    /** When the database in service was built; null when none is open. */
    public Instant buildTime() {
        return current.get().built;
    }

    @Override
    public void close() {
        Db previous;
        synchronized (this) {
            if (current.get().closed) {
                return;
            }
            previous = current.getAndSet(Db.none(true));
        }
        previous.release();
    }

    /** Whether {@code a} can be a client on the public internet at all. */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            boolean carrierNat = first == 100 && (second & 0xC0) == 64;
            return first != 0 && first != 255 && !carrierNat;
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xFE) != 0xFC;
        }
        return false;
    }

    /** Modification time, size and identity of a file, to notice a replaced database. */
    private record FileStamp(FileTime modified, long size, Object key) {

        static FileStamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** One open database and its reference count; 0 means closed for good. */
    private static final class Db {

        final DatabaseReader reader;
        final boolean city;
        final String type;
        final Instant built;
        final FileStamp stamp;
        final boolean closed;
        final AtomicInteger refs = new AtomicInteger(1);
        /**
         * The last answer per slot, by address hash. Traffic repeats addresses (returning readers, mail
         * proxies fetching for many) and a City lookup costs microseconds on the log writer's thread.
         * Each database has its own, so a reload starts empty. Unsynchronised on purpose: a race on a
         * slot costs one lookup, never a wrong answer.
         */
        private final Recent[] recent = new Recent[1 << RECENT_BITS];

        /** A database-less placeholder; each owner gets its own, as the count is per instance. */
        static Db none(boolean closed) {
            return new Db(null, false, null, null, null, closed);
        }

        private Db(DatabaseReader reader, boolean city, String type, Instant built, FileStamp stamp,
                boolean closed) {
            this.closed = closed;
            this.reader = reader;
            this.city = city;
            this.type = type;
            this.built = built;
            this.stamp = stamp;
        }

        static Db open(Path p) throws GeoIpException {
            FileStamp stamp = FileStamp.of(p);
            if (stamp == null) {
                throw new GeoIpException("no GeoIP database at " + p);
            }
            DatabaseReader reader;
            try {
                // A cache of decoded records per reader: cache keys are offsets into one file.
                reader = new DatabaseReader.Builder(p.toFile()).withCache(new CHMCache()).build();
            } catch (NoSuchFileException e) {
                throw new GeoIpException("no GeoIP database at " + p, e);
            } catch (IOException | RuntimeException e) {
                throw new GeoIpException("not a MaxMind database: " + p + " (" + e.getMessage() + ")", e);
            }
            Metadata m = reader.metadata();
            String type = Objects.toString(m.databaseType(), "");
            boolean city = type.contains("City");
            if (!city && !type.contains("Country")) {
                closeQuietly(reader);
                throw new GeoIpException("unsupported GeoIP database type \"" + type + "\" in " + p
                        + ": expected a GeoIP2 or GeoLite2 City or Country database");
            }
            return new Db(reader, city, type, m.buildTime(), stamp, false);
        }

        boolean acquire() {
            while (true) {
                int n = refs.get();
                if (n == 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (refs.decrementAndGet() == 0 && reader != null) {
                closeQuietly(reader);
            }
        }

        Optional<Geo> lookup(InetAddress address) {
            if (reader == null) {
                return Optional.empty();
            }
            int slot = (address.hashCode() * 0x9E3779B9) >>> (Integer.SIZE - RECENT_BITS);
            Recent hit = recent[slot];
            if (hit != null && hit.address.equals(address)) {
                return hit.geo;
            }
            try {
                Optional<Geo> geo = city
                        ? reader.tryCity(address).map(Db::geo)
                        : reader.tryCountry(address).map(Db::geo);
                recent[slot] = new Recent(address, geo);
                return geo;
            } catch (IOException | GeoIp2Exception | RuntimeException e) {
                LOG.debug("GeoIP lookup failed for {}", address, e);
                return Optional.empty();
            }
        }

        /** One remembered answer; immutable, so a thread that reads a slot another is writing sees a whole one. */
        private record Recent(InetAddress address, Optional<Geo> geo) {
        }

        static Geo geo(CityResponse r) {
            List<Subdivision> subdivisions = r.subdivisions();
            String region = subdivisions == null || subdivisions.isEmpty() ? null : subdivisions.get(0).isoCode();
            Location l = r.location();
            return new Geo(
                    r.country() == null ? null : r.country().isoCode(),
                    region,
                    r.city() == null ? null : r.city().name(),
                    r.postal() == null ? null : r.postal().code(),
                    l == null ? null : l.latitude(),
                    l == null ? null : l.longitude());
        }

        static Geo geo(CountryResponse r) {
            return new Geo(r.country() == null ? null : r.country().isoCode(), null, null, null, null, null);
        }

        private static void closeQuietly(DatabaseReader reader) {
            try {
                reader.close();
            } catch (IOException e) {
                LOG.debug("closing a GeoIP reader", e);
            }
        }
    }
}
