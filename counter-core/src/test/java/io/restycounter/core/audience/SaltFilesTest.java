package io.restycounter.core.audience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import io.restycounter.core.UniquesPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store's salts end at each tenant's own midnight, not the server's. */
class SaltFilesTest {

    private static final LocalDate NOV30 = LocalDate.of(2026, 11, 30);
    private static final Map<String, ZoneId> ZONES = Map.of("ktm", ZoneId.of("Asia/Kathmandu"),
            "lima", ZoneId.of("America/Lima"));

    @TempDir
    Path dir;

    @Test
    void aSaltFileIsDeletedAtItsTenantsMidnightAndKeptUntilThen() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
        VisitorPeriods periods = new VisitorPeriods(t -> UniquesPeriod.DAY,
                (tenant, day) -> day.atStartOfDay(ZONES.get(tenant)).toInstant().toEpochMilli());
        SaltFiles salts = new SaltFiles(dir, periods, clock);
        Salt.SaltKey ktm = periods.saltKey("ktm", NOV30);
        Salt.SaltKey lima = periods.saltKey("lima", NOV30);
        assertEquals(Instant.parse("2026-11-30T18:15:00Z"), ktm.end(), "midnight at +05:45");
        assertEquals(Instant.parse("2026-12-01T05:00:00Z"), lima.end(), "midnight at -05:00");
        Map<Salt.SaltKey, Salt> first = salts.resolve(List.of(ktm, lima));
        Path ktmFile = dir.resolve("ktm.day-20261130.salt");
        Path limaFile = dir.resolve("lima.day-20261130.salt");
        assertTrue(Files.exists(ktmFile) && Files.exists(limaFile));

        clock.set(Instant.parse("2026-11-30T18:15:00Z"));
        salts.sweepWhenDue();
        assertFalse(Files.exists(ktmFile), "Kathmandu's Nov 30 is over");
        assertTrue(Files.exists(limaFile));

        clock.set(Instant.parse("2026-12-01T01:00:00Z")); // past the server's midnight, still Nov 30 in Lima
        salts.sweepWhenDue();
        assertTrue(Files.exists(limaFile));
        Salt again = salts.resolve(List.of(lima)).get(lima);
        assertEquals(first.get(lima).k0, again.k0, "the same salt: a visitor back this evening is one visitor");
        assertEquals(first.get(lima).k1, again.k1);

        clock.set(Instant.parse("2026-12-01T05:00:00Z"));
        salts.sweepWhenDue();
        assertFalse(Files.exists(limaFile), "Lima's Nov 30 is over");
    }
}
