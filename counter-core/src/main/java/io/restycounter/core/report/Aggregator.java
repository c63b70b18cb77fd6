package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.Fate;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.DayOfMillis;
import io.restycounter.core.log.HitLogReader;
import io.restycounter.core.log.LogFileName;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Sums one closed day's hits from the log files found here ({@code yyyy-MM-dd-access.log},
 * {@code yyyy-MM-dd-{node}-access.log}, in LOG_DIR and LOG_DIR/shipped) per node, the node named in
 * the file name, and writes each node's totals per tenant and counter into a {@link CounterArchive} as
 * that node's share of the day, and the same per hour of the day ({@link DayOfMillis#hourOf} in the zone of
 * the day) as its hourly share. A node whose files are not here keeps the share it has, so running it
 * again, on any node and at any time, never lowers a day.
 *
 * <p>The day is each tenant's local date ({@link TenantCalendar}): the pass reads the file of every
 * server day that can hold hours of it (the day before and after too, when a registered tenant's zone
 * says so), streaming, and counts a line only when it is of its tenant's day ({@link TenantCalendar#dayOfLine}:
 * a tenant with a zone of its own by its instant, a tenant in TIMEZONE by its file). A tenant whose
 * day still has hours in today's file (it is behind TIMEZONE) is left {@linkplain Result#waiting waiting}:
 * nothing of it is written, and the day is not marked complete until a later pass finds none waiting.
 */
public final class Aggregator {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Aggregator.class);

    /** What one day's pass found. {@code totals}: tenant to counter to total. */
    public record Result(LocalDate day, List<Path> files, long hits, long skippedLines,
            SortedMap<String, SortedMap<String, Long>> totals,
            SortedMap<String, SortedMap<String, SortedMap<String, Long>>> byNode,
            SortedMap<String, SortedMap<String, SortedMap<String, long[]>>> hoursByNode,
            SortedMap<String, SortedMap<String, SortedMap<String, long[]>>> fatesByNode, SortedSet<String> waiting) {

        /** The nodes whose files were read (the unnamed node as {@code ""}). */
        public java.util.Set<String> nodes() {
            return byNode.keySet();
        }

        public long total(CounterKey key) {
            SortedMap<String, Long> t = totals.get(key.tenant());
            return t == null ? 0 : t.getOrDefault(key.counter(), 0L);
        }

        @Override
        public String toString() {
            long counters = totals.values().stream().mapToLong(Map::size).sum();
            return day + ": " + files.size() + " log files of " + byNode.size() + " node" + (byNode.size() == 1 ? "" : "s")
                    + ", " + hits + " hits, " + totals.size() + " tenants, "
                    + counters + " counters" + (skippedLines > 0 ? ", " + skippedLines + " unreadable lines skipped" : "")
                    + (waiting.isEmpty() ? "" : ", " + waiting.size() + " tenants waiting for today's file to close");
        }
    }

    private final Path logDir;
    private final CounterArchive archive;
    private final TenantCalendar calendar;
    private final Clock clock;

    /** @param clock says which server day is today: its file is open, and a tenant's day with hours in it waits */
    public Aggregator(Path logDir, CounterArchive archive, TenantCalendar calendar, Clock clock) {
        this.logDir = Objects.requireNonNull(logDir, "logDir");
        this.archive = Objects.requireNonNull(archive, "archive");
        this.calendar = Objects.requireNonNull(calendar, "calendar");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Reads the day's logs here and replaces the share of each node they belong to, marks each such
     * node's share done, and marks the day complete once no node that counted on it lacks a share. With
     * tenants {@linkplain Result#waiting waiting}, writes the others' shares and marks nothing done.
     */
    public Result aggregate(LocalDate day) throws IOException, StoreException {
        if (!calendar.ready()) {
            throw new StoreException("tenant registry: not read yet, so the tenants' time zones are unknown; "
                    + day + " is aggregated once it is");
        }
        Result r = read(day);
        for (Map.Entry<String, SortedMap<String, SortedMap<String, Long>>> node : r.byNode().entrySet()) {
            for (Map.Entry<String, SortedMap<String, Long>> t : node.getValue().entrySet()) {
                archive.replaceShare(node.getKey(), t.getKey(), day, t.getValue());
                archive.replaceHourShare(node.getKey(), t.getKey(), day,
                        r.hoursByNode().getOrDefault(node.getKey(), new TreeMap<>()).getOrDefault(t.getKey(), new TreeMap<>()));
                warnOfImports(t.getKey(), day, t.getValue());
            }
            for (Map.Entry<String, SortedMap<String, long[]>> t : r.fatesByNode().get(node.getKey()).entrySet()) {
                archive.replaceFates(node.getKey(), t.getKey(), day, t.getValue());
            }
            if (r.waiting().isEmpty()) {
                archive.markShareDone(node.getKey(), day);
            }
        }
        if (r.waiting().isEmpty() && Reconciler.missing(archive, r.nodes(), day).isEmpty()) {
            archive.markAggregated(day);
        }
        return r;
    }

    /**
     * An import checks the logs, but logs that arrive later (a node's file copied in) are added to what
     * was imported for the same counter and day: said once per pass, with how to undo the import.
     */
    private void warnOfImports(String tenant, LocalDate day, Map<String, Long> fromLogs) throws StoreException {
        SortedMap<String, Long> imported = archive.importedDay(tenant, day);
        for (Map.Entry<String, Long> e : imported.entrySet()) {
            if (fromLogs.getOrDefault(e.getKey(), 0L) != 0) {
                LOG.warn("{} {}/{}: the logs count {} beside {} imported, and the day counts both; importing {},{},{} "
                        + "drops the import", day, tenant, e.getKey(), fromLogs.get(e.getKey()), e.getValue(), e.getKey(), day,
                        fromLogs.get(e.getKey()));
            }
        }
    }

    /** The day's totals from every node's log file here, in all and per node, without writing anything. */
    public Result read(LocalDate day) throws IOException {
        SortedMap<String, SortedMap<String, Long>> totals = new TreeMap<>();
        SortedMap<String, SortedMap<String, SortedMap<String, Long>>> byNode = new TreeMap<>();
        SortedMap<String, SortedMap<String, SortedMap<String, long[]>>> hoursByNode = new TreeMap<>();
        SortedMap<String, SortedMap<String, SortedMap<String, long[]>>> fatesByNode = new TreeMap<>();
        List<Path> read = new ArrayList<>();
        long hits = 0;
        long skipped = 0;
        SortedSet<String> waiting = new TreeSet<>();
        LocalDate serverToday = LocalDate.now(clock.withZone(calendar.serverZone()));
        Map<String, Boolean> over = new HashMap<>();
        long[] span = calendar.spanOf(day);
        LocalDate last = calendar.serverDayOf(span[1] - 1);
        Path shipped = logDir.resolve(DailyFileHitLog.SHIPPED_DIR);
        for (LocalDate d = calendar.serverDayOf(span[0]); !d.isAfter(last) && d.isBefore(serverToday); d = d.plusDays(1)) {
            LocalDate fileDay = d;
            for (String name : fileNames(d)) {
                String node = LogFileName.parse(name).map(LogFileName::node).orElse(CounterArchive.UNNAMED_NODE);
                SortedMap<String, SortedMap<String, Long>> mine = byNode.computeIfAbsent(node, n -> new TreeMap<>());
                SortedMap<String, SortedMap<String, long[]>> myHours = hoursByNode.computeIfAbsent(node, n -> new TreeMap<>());
                SortedMap<String, SortedMap<String, long[]>> myFates = fatesByNode.computeIfAbsent(node, n -> new TreeMap<>());
                java.util.function.BiPredicate<String, Long> ofDay = (tenant, millis) -> {
                    if (!calendar.dayOfLine(tenant, millis, fileDay).equals(day)) {
                        return false;
                    }
                    if (!over.computeIfAbsent(tenant, x -> dayOver(x, day, serverToday))) {
                        waiting.add(tenant);
                        return false;
                    }
                    return true;
                };
                // The shipper may move a file to shipped/ between the listing and the read.
                for (Path file : new Path[] {logDir.resolve(name), shipped.resolve(name)}) {
                    try {
                        long[] mineHits = new long[1];
                        HitLogReader.Result r = HitLogReader.readDated(file, false, (key, inc, millis) -> {
                            if (!ofDay.test(key.tenant(), millis)) {
                                return;
                            }
                            mineHits[0]++;
                            totals.computeIfAbsent(key.tenant(), t -> new TreeMap<>()).merge(key.counter(), inc, Long::sum);
                            mine.computeIfAbsent(key.tenant(), t -> new TreeMap<>()).merge(key.counter(), inc, Long::sum);
                            if (millis != Long.MIN_VALUE && day.equals(calendar.dayOf(key.tenant(), millis))) {
                                myHours.computeIfAbsent(key.tenant(), t -> new TreeMap<>()).computeIfAbsent(key.counter(),
                                        c -> new long[DayOfMillis.MAX_HOURS])[calendar.hourOf(key.tenant(), millis)] += inc;
                            }
                        }, (key, fate, millis) -> {
                            if (ofDay.test(key.tenant(), millis)) {
                                myFates.computeIfAbsent(key.tenant(), t -> new TreeMap<>())
                                        .computeIfAbsent(key.counter(), c -> new long[Fate.COUNT])[fate.ordinal()]++;
                            }
                        });
                        hits += mineHits[0];
                        skipped += r.skipped();
                        read.add(file);
                        break;
                    } catch (NoSuchFileException e) {
                        // try the other place
                    }
                }
            }
        }
        return new Result(day, List.copyOf(read), hits, skipped, totals, byNode, hoursByNode, fatesByNode, waiting);
    }

    /** Whether every hour of {@code tenant}'s {@code day} is in a closed file: its last one is before today's. */
    private boolean dayOver(String tenant, LocalDate day, LocalDate serverToday) {
        return calendar.serverDayOf(calendar.startOf(tenant, day.plusDays(1)) - 1).isBefore(serverToday);
    }

    /**
     * Writes the fates of {@code day} that only the live counters know (rate-limited, over quota, bad
     * signature, refused, prefetch: no log line shows them) into the archive as the
     * {@link CounterArchive#LIVE_FATES_NODE} share of each tenant, replacing what an earlier pass wrote;
     * {@code bot} and {@code private} come from the logs. Only while the store still holds the day.
     */
    public void archiveLiveFates(CounterStore store, LocalDate day) throws StoreException {
        for (Map.Entry<String, SortedMap<String, long[]>> tenant : store.dayFates(day).entrySet()) {
            SortedMap<String, long[]> live = tenant.getValue();
            live.values().forEach(counts -> {
                counts[Fate.BOT.ordinal()] = 0;
                counts[Fate.PRIVATE.ordinal()] = 0;
            });
            live.values().removeIf(Fate::none);
            if (!live.isEmpty()) { // an embedded store restarted since knows none: keep what was archived
                archive.replaceFates(CounterArchive.LIVE_FATES_NODE, tenant.getKey(), day, live);
            }
        }
    }

    private TreeSet<String> fileNames(LocalDate day) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (Path d : new Path[] {logDir, logDir.resolve(DailyFileHitLog.SHIPPED_DIR)}) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(d, day + "-*access.log")) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    Optional<LogFileName> parsed = LogFileName.parse(name);
                    if (parsed.isPresent() && parsed.get().day().equals(day)) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }
}
