package io.restycounter.core.embedded;

import io.restycounter.core.AtomicFiles;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The archive of the embedded default: {@code ARCHIVE_DIR/{tenant}/yyyyMM.txt}, one line
 * {@code counter:dd count} per total, and {@code ARCHIVE_DIR/aggregated-days.txt}. Every file is
 * written to a temporary file and moved into place, so a reader never sees half a month.
 */
public final class FileCounterArchive implements CounterArchive {

    static final String AGGREGATED = "aggregated-days.txt";

    private final Path dir;

    public FileCounterArchive(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    public Path directory() {
        return dir;
    }

    public Path monthFile(String tenant, YearMonth month) {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        return dir.resolve(tenant).resolve(ArchiveMonth.MONTH.format(month) + ".txt");
    }

    @Override
    public synchronized void replaceDay(String tenant, LocalDate day, Map<String, Long> totals) throws StoreException {
        Path file = monthFile(tenant, YearMonth.from(day));
        SortedMap<String, String> fields = read(file);
        String suffix = ArchiveMonth.daySuffix(day);
        fields.keySet().removeIf(f -> f.endsWith(suffix));
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            if (!CounterKey.isValidCounter(e.getKey())) {
                throw new IllegalArgumentException("counter: not valid: \"" + e.getKey() + "\"");
            }
            if (e.getValue() != 0) {
                fields.put(ArchiveMonth.field(e.getKey(), day), Long.toString(e.getValue()));
            }
        }
        StringBuilder text = new StringBuilder();
        fields.forEach((f, v) -> text.append(f).append(' ').append(v).append('\n'));
        write(file, text.toString());
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
            throw new StoreException("ARCHIVE_DIR: cannot read " + file + ": " + e.getMessage(), e);
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
            throw new StoreException("ARCHIVE_DIR: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "files in " + dir;
    }
}
