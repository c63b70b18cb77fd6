package io.restycounter.core.report;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Imported history: {@code counter,day,count} rows (CSV, an optional header row; the query's own CSV
 * export, {@code counter,day,count,source}, is read too) loaded into a tenant's
 * archive as the {@link CounterArchive#IMPORT_NODE} share of each day, so ranges, all-time totals and
 * badges count them. The whole file is checked before anything is written: one bad row, or a count
 * that differs from what the logs (archived, or still live) hold for that counter and day, refuses the
 * file with a line per row. A row equal to what the archive holds changes nothing, so the same file
 * imported again changes nothing; a row for a day imported before (and not counted from the logs)
 * replaces that earlier import.
 */
public final class HistoryImport {

    /** Rows one import may hold: the file is checked whole, in memory, before it is written. */
    public static final int MAX_ROWS = 100_000;
    /** The largest count of one row: sums of many such days stay far from overflowing. */
    public static final long MAX_COUNT = 1_000_000_000_000L;
    /** Refusals listed at most; more are summed up in one last line. */
    static final int MAX_LISTED = 20;
    private static final LocalDate FIRST_DAY = LocalDate.of(1970, 1, 1);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu-MM-dd")
            .withResolverStyle(ResolverStyle.STRICT);

    /** One checked row; {@code line} counts from 1, the header included. */
    public record Row(int line, String counter, LocalDate day, long count) {
    }

    /** What an import did: rows read, counts added or replaced, rows that changed nothing. */
    public record Result(String tenant, int rows, int added, int replaced, int unchanged, int days) {
        @Override
        public String toString() {
            return rows + " row" + (rows == 1 ? "" : "s") + " for " + tenant + ": " + added + " added, " + replaced
                    + " replaced, " + unchanged + " unchanged";
        }
    }

    /**
     * The file is refused, and nothing was written: one line per bad row ({@code line 3: day: ...}).
     * {@code conflict}: every refusal is a count the logs hold otherwise (else some row is malformed).
     */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final List<String> lines;
        private final boolean conflict;

        Refused(List<String> lines, boolean conflict) {
            super(lines.get(0), null, false, false);
            this.lines = List.copyOf(lines);
            this.conflict = conflict;
        }

        public List<String> lines() {
            return lines;
        }

        public boolean conflict() {
            return conflict;
        }
    }

    /** The count of a counter and day that the live store holds (0 when none, or not live). */
    @FunctionalInterface
    public interface LiveCounts {
        long count(CounterKey key, LocalDate day) throws StoreException;
    }

    private HistoryImport() {
    }

    /**
     * Reads and checks every row of {@code csv}: a counter name as the pixel takes it, a day
     * {@code yyyy-MM-dd} before {@code today}, a whole count from 0 to {@value #MAX_COUNT}; the same
     * counter and day twice with two counts is refused too.
     */
    public static List<Row> parse(Reader csv, LocalDate today) throws IOException, Refused {
        return parse(csv, today, counter -> true);
    }

    /** As above; a counter {@code allowed} refuses (the tenant's {@code counters} rules) refuses its row too. */
    public static List<Row> parse(Reader csv, LocalDate today, java.util.function.Predicate<String> allowed)
            throws IOException, Refused {
        List<Row> rows = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        Map<String, Row> seen = new HashMap<>();
        BufferedReader in = new BufferedReader(csv);
        int line = 0;
        int badCount = 0;
        for (String text = in.readLine(); text != null; text = in.readLine()) {
            line++;
            if (line == 1 && text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            if (text.isBlank() || line == 1 && text.trim().toLowerCase(java.util.Locale.ROOT).startsWith("counter,day,count")) {
                continue;
            }
            if (rows.size() >= MAX_ROWS) {
                throw new Refused(List.of("line " + line + ": more than " + MAX_ROWS + " rows: split the file"), false);
            }
            String problem;
            try {
                Row row = row(line, text, today);
                if (!allowed.test(row.counter())) {
                    throw new IllegalArgumentException("counter: \"" + row.counter()
                            + "\" is not among the tenant's counters rules");
                }
                Row before = seen.putIfAbsent(row.counter() + ' ' + row.day(), row);
                if (before != null && before.count() != row.count()) {
                    problem = "line " + line + ": count: " + row.counter() + " on " + row.day() + " is " + before.count()
                            + " on line " + before.line() + ", here " + row.count();
                } else {
                    rows.add(row);
                    continue;
                }
            } catch (IllegalArgumentException e) {
                problem = "line " + line + ": " + e.getMessage();
            }
            if (++badCount <= MAX_LISTED) {
                bad.add(problem);
            }
        }
        if (!bad.isEmpty()) {
            throw new Refused(summed(bad, badCount), false);
        }
        return rows;
    }

    private static Row row(int line, String text, LocalDate today) {
        String[] cells = text.split(",", -1);
        if (cells.length != 3 && cells.length != 4) {
            throw new IllegalArgumentException("expected 3 fields counter,day,count (a 4th, source, is ignored), got "
                    + cells.length);
        }
        String counter = unquoted(cells[0]);
        if (counter.length() > 1 && counter.charAt(0) == '\'' && "=+-@".indexOf(counter.charAt(1)) >= 0) {
            counter = counter.substring(1); // as the CSV export guards a name a spreadsheet would compute
        }
        if (!CounterKey.isValidCounter(counter)) {
            throw new IllegalArgumentException("counter: expected 1 to 128 characters of [A-Za-z0-9._~-], got \""
                    + shorten(counter) + "\"");
        }
        String dayText = unquoted(cells[1]);
        LocalDate day;
        try {
            day = LocalDate.parse(dayText, DAY);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("day: expected yyyy-MM-dd, got \"" + shorten(dayText) + "\"");
        }
        if (!day.isBefore(today)) {
            throw new IllegalArgumentException("day: " + day + " is not before today (" + today + ")");
        }
        if (day.isBefore(FIRST_DAY)) {
            throw new IllegalArgumentException("day: " + day + " is before " + FIRST_DAY);
        }
        String countText = unquoted(cells[2]);
        long count;
        try {
            count = countText.matches("[0-9]{1,13}") ? Long.parseLong(countText) : -1;
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count: expected a whole number from 0 to " + MAX_COUNT + ", got \""
                    + shorten(countText) + "\"");
        }
        return new Row(line, counter, day, count);
    }

    /**
     * Checks {@code rows} against what {@code tenant}'s archive holds (and, from {@code liveFrom} on, what
     * {@code live} counts), then writes the days that change. A counter and day the logs counted keeps its
     * count: a row equal to it changes nothing, another count refuses the file. Reads one range per
     * counter and month, one import share per day.
     */
    public static Result apply(CounterArchive archive, LiveCounts live, LocalDate today, LocalDate liveFrom,
            String tenant, List<Row> rows) throws StoreException, Refused {
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
        }
        Map<String, SortedMap<LocalDate, Long>> totals = new HashMap<>();
        Map<LocalDate, SortedMap<String, Long>> importedBefore = new TreeMap<>();
        Map<LocalDate, SortedMap<String, Long>> changes = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        int conflictCount = 0;
        int unchanged = 0;
        int added = 0;
        int replaced = 0;
        for (Row row : rows) {
            CounterKey key = new CounterKey(tenant, row.counter());
            YearMonth month = YearMonth.from(row.day());
            SortedMap<LocalDate, Long> monthTotals = totals.get(row.counter() + ' ' + month);
            if (monthTotals == null) {
                monthTotals = archive.range(key, month.atDay(1), month.atEndOfMonth());
                totals.put(row.counter() + ' ' + month, monthTotals);
            }
            SortedMap<String, Long> imported = importedBefore.get(row.day());
            if (imported == null) {
                imported = archive.importedDay(tenant, row.day());
                importedBefore.put(row.day(), imported);
            }
            Long before = imported.get(row.counter());
            long fromLogs = monthTotals.getOrDefault(row.day(), 0L) - (before == null ? 0 : before);
            if (fromLogs == 0 && !row.day().isBefore(liveFrom)) {
                fromLogs = live.count(key, row.day());
            }
            if (fromLogs != 0) {
                if (fromLogs == row.count() && before != null && before != 0) {
                    // Logs that arrived after an import: the file agrees with them, so the import goes.
                    changes.computeIfAbsent(row.day(), d -> new TreeMap<>()).put(row.counter(), 0L);
                    replaced++;
                } else if (fromLogs == row.count()) {
                    unchanged++;
                } else if (++conflictCount <= MAX_LISTED) {
                    conflicts.add("line " + row.line() + ": count: " + row.counter() + " on " + row.day() + " has "
                            + fromLogs + " from the logs, the file says " + row.count()
                            + " (a day counted from the logs keeps its count)");
                }
            } else if (before == null ? row.count() == 0 : before == row.count()) {
                unchanged++;
            } else {
                changes.computeIfAbsent(row.day(), d -> new TreeMap<>()).put(row.counter(), row.count());
                if (before == null) {
                    added++;
                } else {
                    replaced++;
                }
            }
        }
        if (conflictCount > 0) {
            throw new Refused(summed(conflicts, conflictCount), true);
        }
        if (!changes.isEmpty()) {
            // The all-time totals first, so that each write below moves them (see AllTimeBuild).
            AllTimeBuild.complete(archive, Set.of(tenant), YearMonth.from(today));
        }
        for (Map.Entry<LocalDate, SortedMap<String, Long>> day : changes.entrySet()) {
            SortedMap<String, Long> next = new TreeMap<>(importedBefore.get(day.getKey()));
            next.putAll(day.getValue());
            next.values().removeIf(v -> v == 0);
            archive.replaceImported(tenant, day.getKey(), next);
        }
        return new Result(tenant, rows.size(), added, replaced, unchanged, changes.size());
    }

    private static List<String> summed(List<String> listed, int all) {
        List<String> out = new ArrayList<>(listed);
        if (all > listed.size()) {
            out.add("... and " + (all - listed.size()) + " more");
        }
        return out;
    }

    private static String unquoted(String cell) {
        String c = cell.trim();
        return c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"") ? c.substring(1, c.length() - 1) : c;
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
