package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import io.restycounter.core.MutableClock;
import io.restycounter.core.UniquesPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaySketchesTest {

    private static final LocalDate MON = LocalDate.of(2026, 11, 30);
    private static final CounterKey KEY = new CounterKey("acme", "home");

    @TempDir
    Path dir;

    @Test
    void accuracyWithinTwoPercentFromTenToAMillionVisitors() {
        SplittableRandom random = new SplittableRandom(17);
        StringBuilder table = new StringBuilder("visitors  datasketches-estimate  error\n");
        for (int n : new int[] {10, 100, 1_000, 10_000, 100_000, 1_000_000}) {
            HllSketch s = new HllSketch(DaySketches.LG_K, TgtHllType.HLL_4); // as the store makes them
            for (int i = 0; i < n; i++) {
                s.update(random.nextLong());
            }
            long estimate = Math.round(s.getEstimate());
            double error = Math.abs(estimate - n) / (double) n;
            table.append(String.format("%9d %22d %6.2f%%%n", n, estimate, error * 100));
            assertTrue(error <= 0.02, n + " visitors estimated as " + estimate);
            if (n <= 1_000) {
                assertEquals(n, estimate, "exact while few");
            }
        }
        System.out.println(table);
    }

    @Test
    void saltsAndSketchesAreOwnerOnlySavedAtomicallyAndTheSaltGoesWithItsPeriod() throws Exception {
        MutableClock clock = new MutableClock(MON.atTime(10, 0).toInstant(ZoneOffset.UTC));
        DaySketches s = new DaySketches(dir, VisitorPeriods.inZone(t -> UniquesPeriod.DAY, ZoneOffset.UTC), ZoneOffset.UTC, clock, 2, 1000);
        s.visit(KEY, MON, "203.0.113.7", "Firefox");
        s.visit(KEY, MON, "203.0.113.7", "Firefox");
        s.visit(KEY, MON, "203.0.113.8", "Firefox");
        s.flush();
        s.save();
        assertEquals(2, s.uniques(KEY, MON, MON).total());
        Path salt = dir.resolve("salts").resolve("acme.day-20261130.salt");
        assertTrue(Files.exists(salt));
        String secret = Files.readString(salt);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(salt)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("salts"))));
        Path day = dir.resolve("sketches-2026-11-30.bin");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(day)));
        for (Path f : List.of(salt, day)) {
            assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains("203.0.113"));
        }

        clock.set(MON.plusDays(1).atTime(0, 0, 1).toInstant(ZoneOffset.UTC));
        s.flush();
        assertFalse(Files.exists(salt), "the day's salt is deleted once the day is over, visitors or not");
        s.visit(KEY, MON.plusDays(1), "203.0.113.7", "Firefox");
        s.flush();
        String next = Files.readString(dir.resolve("salts").resolve("acme.day-20261201.salt"));
        assertNotEquals(secret, next);
        assertEquals(2, s.uniques(KEY, MON, MON.plusDays(1)).total() - 1, "the returning visitor is new: 2 + 1");
        s.close();

        DaySketches again = new DaySketches(dir, VisitorPeriods.inZone(t -> UniquesPeriod.DAY, ZoneOffset.UTC), ZoneOffset.UTC, clock, 2, 1000);
        assertEquals(3, again.uniques(KEY, MON, MON.plusDays(1)).total(), "kept over a restart");
        clock.set(Instant.parse("2026-12-10T00:00:00Z"));
        again.flush();
        again.save();
        assertFalse(Files.exists(day), "past the retention, a day's sketches go");
        assertEquals(0, again.uniques(KEY, MON, MON).total());
    }

    @Test
    void withMonthTheVisitorsOfAMonthAreOneUnion() throws Exception {
        MutableClock clock = new MutableClock(MON.atTime(10, 0).toInstant(ZoneOffset.UTC));
        DaySketches s = new DaySketches(dir, VisitorPeriods.inZone(t -> UniquesPeriod.MONTH, ZoneOffset.UTC), ZoneOffset.UTC, clock, 5, 1000);
        LocalDate dec1 = MON.plusDays(1);
        s.visit(KEY, MON, "203.0.113.7", "Firefox");
        clock.set(dec1.atTime(10, 0).toInstant(ZoneOffset.UTC));
        s.visit(KEY, dec1, "203.0.113.7", "Firefox");
        s.visit(KEY, dec1.plusDays(1), "203.0.113.7", "Firefox");
        s.flush();
        assertEquals(2, s.uniques(KEY, MON, dec1.plusDays(1)).total(), "November's one and December's one");
        assertEquals(1, s.uniques(KEY, dec1, dec1.plusDays(1)).total());
    }
}
