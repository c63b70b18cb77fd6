package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.embedded.FileCounterArchive;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregatorTest {

    static final LocalDate DAY = LocalDate.parse("2026-11-28");
    static final TenantCalendar UTC_TENANTS = TenantCalendar.of(ZoneOffset.UTC);
    static final Clock AFTER = Clock.fixed(Instant.parse("2026-11-30T00:02:00Z"), ZoneOffset.UTC);

    @TempDir
    Path logs;
    @TempDir
    Path archiveDir;

    static String line(String tenant, String counter, int inc, int status) {
        return "{\"ts\":\"2026-11-28T10:00:00.000Z\",\"tenant\":\"" + tenant + "\",\"counter\":\"" + counter
                + "\",\"inc\":" + inc + ",\"status\":" + status + "}\n";
    }

    private void write(Path file, String... lines) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("", lines), StandardCharsets.UTF_8);
    }

    @Test
    void sumsEveryNodesFilesInLogDirAndShippedAndReplacesTheDay() throws Exception {
        write(logs.resolve("2026-11-28-access.log"), line("acme", "signup", 1, 200), line("acme", "signup", 5, 200),
                line("acme", "news.a", 1, 302), line("acme", "signup", 7, 400), "{\"torn");
        write(logs.resolve("2026-11-28-n2-access.log"), line("acme", "signup", 2, 200), line("beta", "x", 3, 200));
        write(logs.resolve("shipped/2026-11-28-n3-access.log"), line("acme", "news.a", 4, 200));
        write(logs.resolve("2026-11-27-access.log"), line("acme", "signup", 100, 200));
        write(logs.resolve("2026-11-28-access.log.gz"), line("acme", "signup", 100, 200));
        FileCounterArchive archive = new FileCounterArchive(archiveDir);
        Aggregator aggregator = new Aggregator(logs, archive, UTC_TENANTS, AFTER);
        // An earlier, wrong total for a counter the logs do not have must go.
        archive.replaceShare(CounterArchive.UNNAMED_NODE, "acme", DAY, Map.of("stale", 9L));

        Aggregator.Result first = aggregator.aggregate(DAY);
        assertEquals(3, first.files().size(), first.files().toString());
        assertEquals(1, first.skippedLines());
        assertEquals(8, first.total(new CounterKey("acme", "signup")));
        assertEquals(8, archive.range(new CounterKey("acme", "signup"), DAY, DAY).get(DAY));
        assertEquals(5, archive.range(new CounterKey("acme", "news.a"), DAY, DAY).get(DAY));
        assertEquals(3, archive.range(new CounterKey("beta", "x"), DAY, DAY).get(DAY));
        assertEquals(0, archive.range(new CounterKey("acme", "stale"), DAY, DAY).get(DAY));
        assertEquals(0, archive.range(new CounterKey("acme", "signup"), DAY.minusDays(1), DAY.minusDays(1))
                .get(DAY.minusDays(1)), "another day's file is not read");
        assertTrue(archive.isAggregated(DAY));
        assertFalse(archive.isAggregated(DAY.minusDays(1)));

        String month = Files.readString(archive.monthFile("acme", java.time.YearMonth.from(DAY)));
        Aggregator.Result again = aggregator.aggregate(DAY);
        assertEquals(first.totals(), again.totals());
        assertEquals(month, Files.readString(archive.monthFile("acme", java.time.YearMonth.from(DAY))),
                "aggregating a day twice leaves the same archive");
        assertEquals(8, archive.range(new CounterKey("acme", "signup"), DAY, DAY).get(DAY));
    }

    @Test
    void aFileMovedToShippedBetweenListingAndReadingIsStillRead() throws Exception {
        write(logs.resolve("shipped/2026-11-28-access.log"), line("acme", "a", 2, 200));
        Aggregator.Result r = new Aggregator(logs, new FileCounterArchive(archiveDir), UTC_TENANTS, AFTER).read(DAY);
        assertEquals(2, r.total(new CounterKey("acme", "a")));
        assertEquals(logs.resolve("shipped/2026-11-28-access.log"), r.files().get(0));
    }

    /** A Redis registry that could not be read at start is empty: dating lines in TIMEZONE would misplace zoned tenants. */
    @Test
    void nothingIsAggregatedWhileTheTenantsZonesAreUnknown() throws Exception {
        write(logs.resolve("2026-11-28-access.log"), line("acme", "a", 2, 200));
        io.restycounter.core.tenant.TenantSource unreadable = new io.restycounter.core.tenant.TenantSource() {
            @Override
            public Object version() throws io.restycounter.core.StoreException {
                throw new io.restycounter.core.StoreException("redis: not answering");
            }

            @Override
            public Map<String, io.restycounter.core.tenant.TenantSettings> load() {
                throw new AssertionError("not reached");
            }

            @Override
            public io.restycounter.core.tenant.TenantSettings update(String id, boolean create,
                    java.util.function.UnaryOperator<io.restycounter.core.tenant.TenantSettings> change) {
                throw new AssertionError("not reached");
            }

            @Override
            public boolean remove(String id) {
                throw new AssertionError("not reached");
            }

            @Override
            public String describe() {
                return "an unreadable registry";
            }
        };
        TenantCalendar unknown = new TenantCalendar(ZoneOffset.UTC,
                io.restycounter.core.tenant.TenantRegistry.start(unreadable, true, null, false));
        FileCounterArchive archive = new FileCounterArchive(archiveDir);
        io.restycounter.core.StoreException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.restycounter.core.StoreException.class, () -> new Aggregator(logs, archive, unknown, AFTER).aggregate(DAY));
        assertTrue(e.getMessage().startsWith("tenant registry: not read yet"), e.getMessage());
        assertFalse(archive.isAggregated(DAY));
        assertEquals(0, archive.range(new CounterKey("acme", "a"), DAY, DAY).get(DAY), "nothing written");
    }

    @Test
    void aLineWithoutTsOfATenantInTimezoneCountsOnItsFilesDayAsBefore() throws Exception {
        write(logs.resolve("2026-11-28-access.log"), "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":3,\"status\":200}\n");
        Aggregator.Result r = new Aggregator(logs, new FileCounterArchive(archiveDir), UTC_TENANTS, AFTER).read(DAY);
        assertEquals(3, r.total(new CounterKey("acme", "a")));
        assertEquals(0, r.skippedLines());
    }
}
