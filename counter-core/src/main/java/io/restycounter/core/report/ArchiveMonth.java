package io.restycounter.core.report;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The shape shared by both archives: one map per tenant and month, field {@code counter:dd}, value =
 * the counter's total that day. A counter never holds ':', so fields cannot collide.
 */
public final class ArchiveMonth {

    public static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyyMM");

    private ArchiveMonth() {
    }

    public static String field(String counter, LocalDate day) {
        int d = day.getDayOfMonth();
        return counter + (d < 10 ? ":0" : ":") + d;
    }

    /** The suffix every field of {@code day} ends with. */
    public static String daySuffix(LocalDate day) {
        return field("", day);
    }

    /** The months {@code from} to {@code to} touch, in order. */
    public static List<YearMonth> months(LocalDate from, LocalDate to) {
        List<YearMonth> out = new ArrayList<>();
        for (YearMonth m = YearMonth.from(from); !m.isAfter(YearMonth.from(to)); m = m.plusMonths(1)) {
            out.add(m);
        }
        return out;
    }

    public static SortedMap<LocalDate, Long> zeros(LocalDate from, LocalDate to) {
        SortedMap<LocalDate, Long> out = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.put(d, 0L);
        }
        return out;
    }

    /** Adds the month's fields of counters starting with {@code prefix} within [from, to] to {@code out}. */
    public static void collect(YearMonth month, Map<String, String> fields, String prefix, LocalDate from, LocalDate to,
            SortedMap<String, SortedMap<LocalDate, Long>> out) {
        for (Map.Entry<String, String> e : fields.entrySet()) {
            String f = e.getKey();
            int colon = f.lastIndexOf(':');
            if (colon <= 0 || !f.startsWith(prefix)) {
                continue;
            }
            LocalDate day;
            try {
                day = month.atDay(Integer.parseInt(f.substring(colon + 1)));
            } catch (RuntimeException ex) {
                continue;
            }
            if (day.isBefore(from) || day.isAfter(to)) {
                continue;
            }
            long v = parse(e.getValue());
            if (v != 0) {
                out.computeIfAbsent(f.substring(0, colon), c -> zeros(from, to)).put(day, v);
            }
        }
    }

    /** The field of one fate of a counter, {@code counter|fate}: '|' is no counter character. */
    public static String fateField(String counter, io.restycounter.core.Fate fate) {
        return counter + '|' + fate.jsonName();
    }

    /**
     * Fate fields ({@link #fateField}) with their counts, from a counter's {@code fates} indexed by
     * {@link io.restycounter.core.Fate#ordinal()}; zero counts left out.
     */
    public static SortedMap<String, Long> fateFields(Map<String, long[]> fates) {
        SortedMap<String, Long> out = new TreeMap<>();
        fates.forEach((counter, counts) -> {
            if (!io.restycounter.core.CounterKey.isValidCounter(counter)) {
                throw new IllegalArgumentException("counter: not valid: \"" + counter + "\"");
            }
            for (io.restycounter.core.Fate f : io.restycounter.core.Fate.ALL) {
                if (counts[f.ordinal()] != 0) {
                    out.put(fateField(counter, f), counts[f.ordinal()]);
                }
            }
        });
        return out;
    }

    public static long parse(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
