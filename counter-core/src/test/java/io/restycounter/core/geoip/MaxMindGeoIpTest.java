package io.restycounter.core.geoip;

import io.restycounter.core.Geo;
import io.restycounter.core.MmdbWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaxMindGeoIpTest {

    @TempDir
    Path dir;

    static InetAddress ip(String literal) {
        InetAddress a = InetAddresses.parseLiteral(literal);
        if (a == null) {
            throw new IllegalArgumentException(literal);
        }
        return a;
    }

    /** A City database that also holds private networks, so only the filter can keep them out. */
    static MmdbWriter cityDb(int recordSize, String iso) {
        return new MmdbWriter("GeoLite2-City", recordSize)
                .insert("81.2.69.0/24", MmdbWriter.city(iso, "ENG", "London", "EC1A", 51.5142, -0.0931))
                .insert("216.160.83.56/29", MmdbWriter.city("US", "WA", "Milton", "98354", 47.2513, -122.3149))
                .insert("2a02:c7f::/32", MmdbWriter.city("DE", "BE", "Berlin", "10115", 52.52, 13.405))
                .insert("10.0.0.0/8", MmdbWriter.city("XX", "PR", "Private", "0", 1.0, 1.0))
                .insert("127.0.0.0/8", MmdbWriter.city("XX", "LO", "Loopback", "0", 1.0, 1.0))
                .insert("169.254.0.0/16", MmdbWriter.city("XX", "LL", "LinkLocal", "0", 1.0, 1.0))
                .insert("192.168.0.0/16", MmdbWriter.city("XX", "PR", "Private", "0", 1.0, 1.0))
                .insert("100.64.0.0/10", MmdbWriter.city("XX", "CG", "CarrierNat", "0", 1.0, 1.0))
                .insert("fe80::/10", MmdbWriter.city("XX", "LL", "LinkLocal6", "0", 1.0, 1.0))
                .insert("fc00::/7", MmdbWriter.city("XX", "UL", "UniqueLocal", "0", 1.0, 1.0))
                .insert("::1/128", MmdbWriter.city("XX", "LO", "Loopback6", "0", 1.0, 1.0));
    }

    @ParameterizedTest
    @ValueSource(ints = {24, 28, 32})
    void cityDatabaseFillsEveryField(int recordSize) throws Exception {
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(cityDb(recordSize, "GB").write(dir.resolve("city.mmdb")))) {
            assertEquals(Optional.of(new Geo("GB", "ENG", "London", "EC1A", 51.5142, -0.0931)),
                    geo.lookup(ip("81.2.69.142")));
            assertEquals(Optional.of(new Geo("US", "WA", "Milton", "98354", 47.2513, -122.3149)),
                    geo.lookup(ip("216.160.83.60")));
            assertEquals(Optional.of(new Geo("DE", "BE", "Berlin", "10115", 52.52, 13.405)),
                    geo.lookup(ip("2a02:c7f:1234::1")));
            assertEquals("GeoLite2-City", geo.databaseType());
        }
    }

    @Test
    void addressesOutsideTheDatabaseAreEmpty() throws Exception {
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(cityDb(24, "GB").write(dir.resolve("city.mmdb")))) {
            assertEquals(Optional.empty(), geo.lookup(ip("8.8.8.8")));
            assertEquals(Optional.empty(), geo.lookup(ip("216.160.83.64")));
            assertEquals(Optional.empty(), geo.lookup(ip("2a03::1")));
            assertEquals(Optional.empty(), geo.lookup(null));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "127.0.0.1", "169.254.1.1", "192.168.0.10", "100.64.0.1", "fe80::1",
        "fd12:3456::1", "::1"})
    void nonPublicAddressesAreEmptyEvenWhenTheDatabaseHasThem(String address) throws Exception {
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(cityDb(24, "GB").write(dir.resolve("city.mmdb")))) {
            assertEquals(Optional.empty(), geo.lookup(ip(address)));
        }
    }

    @Test
    void countryDatabaseGivesTheCountryOnly() throws Exception {
        Path file = new MmdbWriter("GeoLite2-Country", 24)
                .insert("81.2.69.0/24", MmdbWriter.country("GB", 2_635_167L, "United Kingdom"))
                .insert("2a02:c7f::/32", MmdbWriter.country("DE", 2_921_044L, "Germany"))
                .write(dir.resolve("country.mmdb"));
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(file)) {
            assertEquals(Optional.of(new Geo("GB", null, null, null, null, null)), geo.lookup(ip("81.2.69.1")));
            assertEquals(Optional.of(new Geo("DE", null, null, null, null, null)), geo.lookup(ip("2a02:c7f::9")));
            assertEquals("GeoLite2-Country", geo.databaseType());
        }
    }

    @Test
    void refusesFilesThatAreNotCityOrCountryDatabases() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.mmdb"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThrows(GeoIpException.class, () -> MaxMindGeoIp.open(garbage));
        Path asn = new MmdbWriter("GeoLite2-ASN", 24)
                .insert("81.2.69.0/24", java.util.Map.of("autonomous_system_number", 5L))
                .write(dir.resolve("asn.mmdb"));
        GeoIpException e = assertThrows(GeoIpException.class, () -> MaxMindGeoIp.open(asn));
        assertTrue(e.getMessage().contains("GeoLite2-ASN"), e.getMessage());
        assertThrows(GeoIpException.class, () -> MaxMindGeoIp.open(dir.resolve("missing.mmdb")));
    }

    @Test
    void failedReloadKeepsTheDatabaseInService() throws Exception {
        Path good = cityDb(24, "GB").write(dir.resolve("city.mmdb"));
        Path garbage = Files.write(dir.resolve("garbage.mmdb"), new byte[100]);
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(good)) {
            assertThrows(GeoIpException.class, () -> geo.reload(garbage));
            assertEquals("GB", geo.lookup(ip("81.2.69.142")).orElseThrow().country());
            assertEquals(good.toAbsolutePath().normalize(), geo.path());
        }
    }

    /** Many addresses share each remembered slot: the answers must not bleed from one to another. */
    @Test
    void repeatedLookupsOfManyAddressesGiveEachItsOwnAnswer() throws Exception {
        Path file = cityDb(24, "GB").write(dir.resolve("city.mmdb"));
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(file)) {
            List<InetAddress> addresses = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                // Every other address inside the database's 81.2.69.0/24, the rest outside it.
                String inside = "81.2.69." + (i / 2 % 256);
                String outside = "81." + (3 + i % 200) + "." + (i / 200) + ".9";
                addresses.add(ip(i % 2 == 0 ? inside : outside));
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < addresses.size(); i++) {
                    Optional<Geo> found = geo.lookup(addresses.get(i));
                    assertEquals(i % 2 == 0, found.isPresent(), addresses.get(i) + " in round " + round);
                    found.ifPresent(g -> assertEquals("GB", g.country()));
                }
            }
        }
    }

    @Test
    void reloadIfModifiedPicksUpAReplacedFile() throws Exception {
        Path file = cityDb(24, "GB").write(dir.resolve("city.mmdb"));
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(file)) {
            assertFalse(geo.reloadIfModified());
            assertEquals("GB", geo.lookup(ip("81.2.69.142")).orElseThrow().country(), "remembered until the swap");
            Path next = cityDb(28, "FR").write(dir.resolve("next.tmp"));
            Files.setLastModifiedTime(next, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
            Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertTrue(geo.reloadIfModified());
            assertEquals("FR", geo.lookup(ip("81.2.69.142")).orElseThrow().country());
            assertFalse(geo.reloadIfModified());
        }
    }

    @Test
    void awaitingAnswersEmptyUntilTheFirstReload() throws Exception {
        Path file = dir.resolve("GeoLite2-City.mmdb");
        try (MaxMindGeoIp geo = MaxMindGeoIp.awaiting(file)) {
            assertEquals(Optional.empty(), geo.lookup(ip("81.2.69.142")));
            cityDb(24, "GB").write(file);
            geo.reload(file);
            assertEquals("GB", geo.lookup(ip("81.2.69.142")).orElseThrow().country());
        }
    }

    @Test
    void closedGeoIpAnswersEmptyAndRefusesReload() throws Exception {
        Path file = cityDb(24, "GB").write(dir.resolve("city.mmdb"));
        MaxMindGeoIp geo = MaxMindGeoIp.open(file);
        geo.close();
        geo.close();
        assertEquals(Optional.empty(), geo.lookup(ip("81.2.69.142")));
        assertThrows(GeoIpException.class, () -> geo.reload(file));
    }

    /**
     * Lookups on four threads while the main thread swaps two databases back and forth: each answer comes from
     * one of them, complete. A reader closed under a lookup would surface as an empty answer (the lookup
     * swallows the ClosedDatabaseException), so empty answers fail the test too.
     */
    @Test
    void reloadUnderConcurrentLookups() throws Exception {
        Path a = cityDb(24, "GB").write(dir.resolve("a.mmdb"));
        Path b = cityDb(28, "FR").write(dir.resolve("b.mmdb"));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (MaxMindGeoIp geo = MaxMindGeoIp.open(a)) {
            int threads = 4;
            CountDownLatch started = new CountDownLatch(threads);
            Thread[] workers = new Thread[threads];
            InetAddress london = ip("81.2.69.142");
            for (int t = 0; t < threads; t++) {
                workers[t] = new Thread(() -> {
                    started.countDown();
                    try {
                        while (running.get()) {
                            Optional<Geo> g = geo.lookup(london);
                            if (g.isEmpty()) {
                                throw new AssertionError("empty answer during a swap");
                            }
                            Geo l = g.get();
                            if (!Set.of("GB", "FR").contains(l.country()) || !"London".equals(l.city())
                                    || !"ENG".equals(l.region())) {
                                throw new AssertionError("mixed answer " + l);
                            }
                            seen.add(l.country());
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                workers[t].start();
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 300 && failure.get() == null; i++) {
                geo.reload(i % 2 == 0 ? b : a);
                if (i % 50 == 0) {
                    Thread.sleep(1);
                }
            }
            geo.reload(b);
            Thread.sleep(20);
            running.set(false);
            for (Thread w : workers) {
                w.join(10_000);
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(Set.of("GB", "FR"), seen);
    }
}
