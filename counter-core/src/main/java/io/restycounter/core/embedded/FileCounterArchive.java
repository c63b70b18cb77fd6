package io.restycounter.core.embedded;

import io.restycounter.core.AtomicFiles;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.FileErrors;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The archive of the embedded default: {@code ARCHIVE_DIR/{tenant}/yyyyMM.txt}, one line
 * {@code counter:dd count} per total; each node's share of a day in
 * {@code ARCHIVE_DIR/{tenant}/shares/yyyyMMdd.txt}, one line {@code node counter count}; the nodes
 * whose share of a day is in, {@code ARCHIVE_DIR/shares-done/yyyy-MM-dd.txt}; each node's hourly share
 * of a day, {@code ARCHIVE_DIR/{tenant}/hours/yyyyMMdd.txt}, one line {@code node counter c0,c1,...,c24}
 * (counts by hour since the local midnight); the complete days,
 * {@code ARCHIVE_DIR/aggregated-days.txt}; imported history, the share {@code +import} of a day and, for
 * the query's {@code "source":"import"}, {@code ARCHIVE_DIR/{tenant}/imports/yyyyMM.txt} as the month
 * file. Every file is written to a temporary file and moved into
 * place, so a reader never sees half a month.
 */
public final class FileCounterArchive implements CounterArchive {

    static final String AGGREGATED = "aggregated-days.txt";
    static final String SHARES_DONE = "shares-done";
    static final String ALL_TIME = "all-time.txt";
    /** How an unnamed node is written in share files: a character no NODE_ID may hold. */
    static final String UNNAMED = "~";
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final Path dir;

    public FileCounterArchive(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    public Path directory() {
        return dir;
    }

    public Path monthFile(String tenant, YearMonth month) {
        return tenantDir(tenant).resolve(ArchiveMonth.MONTH.format(month) + ".txt");
    }

    private Path sharesFile(String tenant, LocalDate day) {
        return tenantDir(tenant).resolve("shares").resolve(DAY.format(day) + ".txt");
    }

    private Path tenantDir(String tenant) {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        return dir.resolve(tenant);
    }

    @Override
    public synchronized void replaceShare(String node, String tenant, LocalDate day, Map<String, Long> totals)
            throws StoreException {
        Path sharesFile = sharesFile(tenant, day);
        SortedMap<String, SortedMap<String, Long>> shares = readShares(sharesFile);
        SortedMap<String, Long> mine = new TreeMap<>();
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            if (e.getValue() != 0) {
                mine.put(e.getKey(), e.getValue());
            }
        }
        shares.put(node.isEmpty() ? UNNAMED : node, mine);
        StringBuilder text = new StringBuilder();
        SortedMap<String, Long> sums = new TreeMap<>();
        shares.forEach((n, counts) -> counts.forEach((c, v) -> {
            text.append(n).append(' ').append(c).append(' ').append(v).append('\n');
            sums.merge(c, v, Long::sum);
        }));
        write(sharesFile, text.toString());

        Path file = monthFile(tenant, YearMonth.from(day));
        SortedMap<String, String> fields = read(file);
        String suffix = ArchiveMonth.daySuffix(day);
        moveAllTime(tenant, fields, suffix, sums);
        fields.keySet().removeIf(f -> f.endsWith(suffix));
        sums.forEach((c, v) -> {
            if (v != 0) {
                fields.put(ArchiveMonth.field(c, day), Long.toString(v));
            }
        });
        StringBuilder month = new StringBuilder();
        fields.forEach((f, v) -> month.append(f).append(' ').append(v).append('\n'));
        write(file, month.toString());
    }

    /**
     * Moves the tenant's all-time totals, once they are kept, by what the day's totals move: from the
     * {@code suffix} fields of {@code month} to {@code sums}. Written before the month, so a failure leaves
     * the month as it was.
     */
    private void moveAllTime(String tenant, Map<String, String> month, String suffix, Map<String, Long> sums)
            throws StoreException {
        Path file = allTimeFile(tenant);
        if (!Files.exists(file)) {
            return;
        }
        SortedMap<String, Long> all = readTotals(file);
        month.forEach((f, v) -> {
            if (f.endsWith(suffix)) {
                all.merge(f.substring(0, f.length() - suffix.length()), -ArchiveMonth.parse(v), Long::sum);
            }
        });
        sums.forEach((c, v) -> all.merge(c, v, Long::sum));
        writeTotals(file, all);
    }

    private Path allTimeFile(String tenant) {
        return tenantDir(tenant).resolve(ALL_TIME);
    }

    private static SortedMap<String, Long> readTotals(Path file) throws StoreException {
        SortedMap<String, Long> out = new TreeMap<>();
        read(file).forEach((c, v) -> out.put(c, ArchiveMonth.parse(v)));
        return out;
    }

    private static void writeTotals(Path file, SortedMap<String, Long> all) throws StoreException {
        StringBuilder text = new StringBuilder();
        all.forEach((c, v) -> {
            if (v != 0) {
                text.append(c).append(' ').append(v).append('\n');
            }
        });
        write(file, text.toString());
    }

    /** {@inheritDoc} The file {@code {tenant}/all-time.txt}, counter and total a line. */
    @Override
    public synchronized long allTime(CounterKey key) throws StoreException {
        Path file = allTimeFile(key.tenant());
        if (!Files.exists(file)) {
            return -1;
        }
        return readTotals(file).getOrDefault(key.counter(), 0L);
    }

    /** Sums every month file of the tenant at once: the embedded archive is one node's, kept small. */
    @Override
    public synchronized boolean buildAllTime(String tenant, YearMonth thisMonth) throws StoreException {
        Path file = allTimeFile(tenant);
        if (Files.exists(file)) {
            return true;
        }
        SortedMap<String, Long> all = new TreeMap<>();
        Path tenantDir = tenantDir(tenant);
        if (Files.isDirectory(tenantDir)) {
            try (DirectoryStream<Path> months = Files.newDirectoryStream(tenantDir, "[0-9][0-9][0-9][0-9][0-9][0-9].txt")) {
                for (Path m : months) {
                    read(m).forEach((f, v) -> {
                        int colon = f.lastIndexOf(':');
                        if (colon > 0) {
                            all.merge(f.substring(0, colon), ArchiveMonth.parse(v), Long::sum);
                        }
                    });
                }
            } catch (IOException e) {
                throw new StoreException("ARCHIVE_DIR: cannot list " + tenantDir + ": " + FileErrors.reason(e), e);
            }
        }
        writeTotals(file, all);
        return true;
    }

    private Path fatesFile(String tenant, String name) {
        return tenantDir(tenant).resolve("fates").resolve(name + ".txt");
    }

    /** Shares in {@code {tenant}/fates/yyyyMMdd.txt} ({@code node counter|fate count}), totals in {@code fates/yyyyMM.txt}. */
    @Override
    public synchronized void replaceFates(String node, String tenant, LocalDate day, Map<String, long[]> fates)
            throws StoreException {
        Path sharesFile = fatesFile(tenant, DAY.format(day));
        SortedMap<String, SortedMap<String, Long>> shares = readShares(sharesFile);
        shares.put(node.isEmpty() ? UNNAMED : node, ArchiveMonth.fateFields(fates));
        StringBuilder text = new StringBuilder();
        SortedMap<String, Long> sums = new TreeMap<>();
        shares.forEach((n, counts) -> counts.forEach((f, v) -> {
            text.append(n).append(' ').append(f).append(' ').append(v).append('\n');
            sums.merge(f, v, Long::sum);
        }));
        write(sharesFile, text.toString());
        Path file = fatesFile(tenant, ArchiveMonth.MONTH.format(day));
        SortedMap<String, String> fields = read(file);
        String suffix = ArchiveMonth.daySuffix(day);
        fields.keySet().removeIf(f -> f.endsWith(suffix));
        sums.forEach((f, v) -> fields.put(f + suffix, Long.toString(v)));
        StringBuilder month = new StringBuilder();
        fields.forEach((f, v) -> month.append(f).append(' ').append(v).append('\n'));
        write(file, month.toString());
    }

    @Override
    public SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            Map<String, String> fields = read(fatesFile(key.tenant(), ArchiveMonth.MONTH.format(m)));
            for (LocalDate d = max(from, m.atDay(1)); !d.isAfter(min(to, m.atEndOfMonth())); d = d.plusDays(1)) {
                long[] counts = new long[io.restycounter.core.Fate.COUNT];
                for (io.restycounter.core.Fate f : io.restycounter.core.Fate.ALL) {
                    counts[f.ordinal()] = ArchiveMonth.parse(fields.get(ArchiveMonth.field(ArchiveMonth.fateField(key.counter(), f), d)));
                }
                if (!io.restycounter.core.Fate.none(counts)) {
                    out.put(d, counts);
                }
            }
        }
        return out;
    }

    private Path importsFile(String tenant, YearMonth month) {
        return tenantDir(tenant).resolve("imports").resolve(ArchiveMonth.MONTH.format(month) + ".txt");
    }

    @Override
    public synchronized SortedMap<String, Long> importedDay(String tenant, LocalDate day) throws StoreException {
        SortedMap<String, Long> mine = readShares(sharesFile(tenant, day)).get(IMPORT_NODE);
        return mine == null ? new TreeMap<>() : mine;
    }

    @Override
    public SortedMap<LocalDate, Long> imported(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        SortedMap<LocalDate, Long> out = new TreeMap<>();
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            Map<String, String> fields = read(importsFile(key.tenant(), m));
            for (LocalDate d = max(from, m.atDay(1)); !d.isAfter(min(to, m.atEndOfMonth())); d = d.plusDays(1)) {
                String v = fields.get(ArchiveMonth.field(key.counter(), d));
                if (v != null) {
                    out.put(d, ArchiveMonth.parse(v));
                }
            }
        }
        return out;
    }

    /** The day's {@code +import} share, then the month's imports file: a failure between leaves a re-import to finish it. */
    @Override
    public synchronized void replaceImported(String tenant, LocalDate day, Map<String, Long> counts)
            throws StoreException {
        replaceShare(IMPORT_NODE, tenant, day, counts);
        Path file = importsFile(tenant, YearMonth.from(day));
        SortedMap<String, String> fields = read(file);
        String suffix = ArchiveMonth.daySuffix(day);
        fields.keySet().removeIf(f -> f.endsWith(suffix));
        counts.forEach((c, v) -> {
            if (v != 0) {
                fields.put(ArchiveMonth.field(c, day), Long.toString(v));
            }
        });
        StringBuilder text = new StringBuilder();
        fields.forEach((f, v) -> text.append(f).append(' ').append(v).append('\n'));
        write(file, text.toString());
    }

    private static SortedMap<String, SortedMap<String, Long>> readShares(Path file) throws StoreException {
        SortedMap<String, SortedMap<String, Long>> shares = new TreeMap<>();
        for (String line : lines(file)) {
            String[] parts = line.split(" ");
            if (parts.length == 3) {
                shares.computeIfAbsent(parts[0], n -> new TreeMap<>()).put(parts[1], ArchiveMonth.parse(parts[2]));
            }
        }
        return shares;
    }

    private Path hoursFile(String tenant, LocalDate day) {
        return tenantDir(tenant).resolve("hours").resolve(DAY.format(day) + ".txt");
    }

    @Override
    public synchronized void replaceHourShare(String node, String tenant, LocalDate day, Map<String, long[]> hours)
            throws StoreException {
        Path file = hoursFile(tenant, day);
        String me = node.isEmpty() ? UNNAMED : node;
        StringBuilder text = new StringBuilder();
        for (String line : lines(file)) {
            if (!line.startsWith(me + " ")) {
                text.append(line).append('\n');
            }
        }
        for (Map.Entry<String, long[]> e : new TreeMap<>(hours).entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            text.append(me).append(' ').append(e.getKey()).append(' ');
            long[] counts = e.getValue();
            for (int h = 0; h < counts.length; h++) {
                text.append(h == 0 ? "" : ",").append(counts[h]);
            }
            text.append('\n');
        }
        if (text.length() > 0 || Files.exists(file)) {
            write(file, text.toString());
        }
    }

    /** Sums every node's line of the counter in each day's hours file: a file a day, read for the days asked only. */
    @Override
    public SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        SortedMap<LocalDate, long[]> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            long[] sum = null;
            for (String line : lines(hoursFile(key.tenant(), d))) {
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[1].equals(key.counter())) {
                    String[] counts = parts[2].split(",");
                    sum = sum == null ? new long[io.restycounter.core.log.DayOfMillis.MAX_HOURS] : sum;
                    for (int h = 0; h < Math.min(counts.length, sum.length); h++) {
                        sum[h] += ArchiveMonth.parse(counts[h]);
                    }
                }
            }
            if (sum != null) {
                out.put(d, sum);
            }
        }
        return out;
    }

    @Override
    public synchronized void markShareDone(String node, LocalDate day) throws StoreException {
        Path file = dir.resolve(SHARES_DONE).resolve(day + ".txt");
        TreeSet<String> nodes = new TreeSet<>(lines(file));
        if (nodes.add(node.isEmpty() ? UNNAMED : node)) {
            write(file, String.join("\n", nodes) + "\n");
        }
    }

    @Override
    public Set<String> sharesDone(LocalDate day) throws StoreException {
        Set<String> out = new TreeSet<>();
        for (String n : lines(dir.resolve(SHARES_DONE).resolve(day + ".txt"))) {
            if (!n.isBlank()) {
                out.add(n.equals(UNNAMED) ? UNNAMED_NODE : n);
            }
        }
        return out;
    }

    @Override
    public Set<String> tenants(LocalDate day) throws StoreException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> tenants = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path t : tenants) {
                String tenant = t.getFileName().toString();
                if (CounterKey.isValidTenant(tenant) && Files.exists(sharesFile(tenant, day))) {
                    out.add(tenant);
                }
            }
        } catch (IOException e) {
            throw new StoreException("ARCHIVE_DIR: cannot list " + dir + ": " + FileErrors.reason(e), e);
        }
        return out;
    }

    @Override
    public synchronized void markAggregated(LocalDate day) throws StoreException {
        Path file = dir.resolve(AGGREGATED);
        TreeSet<String> days = new TreeSet<>(lines(file));
        if (days.add(day.toString())) {
            write(file, String.join("\n", days) + "\n");
        }
    }

    @Override
    public boolean isAggregated(LocalDate day) throws StoreException {
        return lines(dir.resolve(AGGREGATED)).contains(day.toString());
    }

    @Override
    public java.util.Set<String> aggregatedDays() throws StoreException {
        return new java.util.HashSet<>(lines(dir.resolve(AGGREGATED)));
    }

    @Override
    public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        SortedMap<LocalDate, Long> out = ArchiveMonth.zeros(from, to);
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            Map<String, String> fields = read(monthFile(key.tenant(), m));
            for (LocalDate d = max(from, m.atDay(1)); !d.isAfter(min(to, m.atEndOfMonth())); d = d.plusDays(1)) {
                out.put(d, ArchiveMonth.parse(fields.get(ArchiveMonth.field(key.counter(), d))));
            }
        }
        return out;
    }

    @Override
    public SortedMap<String, SortedMap<LocalDate, Long>> byPrefix(String tenant, String prefix, LocalDate from,
            LocalDate to) throws StoreException {
        SortedMap<String, SortedMap<LocalDate, Long>> out = new TreeMap<>();
        for (YearMonth m : ArchiveMonth.months(from, to)) {
            ArchiveMonth.collect(m, read(monthFile(tenant, m)), prefix, from, to, out);
        }
        return out;
    }

    /** Reads the month's file, whose fields are in name order; the embedded archive is one node's, kept small. */
    @Override
    public java.util.List<String> counterPage(String tenant, YearMonth month, String prefix, String after, int limit)
            throws StoreException {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Map.Entry<String, String> e : read(monthFile(tenant, month)).entrySet()) {
            int colon = e.getKey().lastIndexOf(':');
            if (colon > 0 && ArchiveMonth.parse(e.getValue()) != 0) {
                names.add(e.getKey().substring(0, colon));
            }
        }
        return io.restycounter.core.CounterStore.page(names, prefix, after, limit);
    }

    @Override
    public void close() {
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    private static java.util.List<String> lines(Path file) throws StoreException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return java.util.List.of();
        } catch (IOException e) {
            throw new StoreException("ARCHIVE_DIR: cannot read " + file + ": " + FileErrors.reason(e), e);
        }
    }

    private static SortedMap<String, String> read(Path file) throws StoreException {
        SortedMap<String, String> fields = new TreeMap<>();
        for (String line : lines(file)) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                fields.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        return fields;
    }

    private static void write(Path file, String text) throws StoreException {
        try {
            AtomicFiles.write(file, text);
        } catch (IOException | UncheckedIOException e) {
            throw new StoreException("ARCHIVE_DIR: cannot write " + file + ": " + FileErrors.reason(e), e);
        }
    }

    @Override
    public String toString() {
        return "files in " + dir;
    }
}
