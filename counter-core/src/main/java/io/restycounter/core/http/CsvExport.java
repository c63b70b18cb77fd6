package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code format=csv} (or {@code Accept: text/csv}) on a range or multi-counter query: one row per
 * counter and day, {@code counter,day,count,source}, after a header row; RFC 4180 (CRLF, a cell with a
 * comma, quote or line break quoted, quotes doubled). Rows are written as each counter's series is
 * read, never gathered into one string: a page of 1,000 counters over a year is 366,000 rows.
 *
 * <p>A text cell that a spreadsheet would run as a formula (it starts with {@code = + - @}, a tab or a
 * carriage return) gets a leading {@code '}: counter names may start with {@code -}. Counts are numbers
 * and left alone.
 */
final class CsvExport {

    static final String CONTENT_TYPE = "text/csv; charset=utf-8";
    static final String HEADER = "counter,day,count,source";
    /** The next page's cursor of a prefix query; absent on the last page. */
    static final String NEXT_CURSOR = "X-Next-Cursor";
    /** {@code false} when {@code sort=total} ranked only the first names of the prefix. */
    static final String COMPLETE = "X-Complete";
    private static final String CRLF = "\r\n";
    private static final int BUFFER = 8192;
    /** Counters whose counts are read in one go: few round trips, and rows still stream as they are read. */
    private static final int READ_TOGETHER = 100;

    private CsvExport() {
    }

    /**
     * Whether {@code accept} asks for CSV before JSON: {@code text/csv} listed with a higher quality than
     * {@code application/json}, or the same quality and first. Wildcards choose neither.
     */
    static boolean preferredBy(String accept) {
        if (accept == null || !accept.contains("text/csv")) {
            return false;
        }
        double csvQ = 0;
        double jsonQ = 0;
        int csvAt = -1;
        int jsonAt = -1;
        String[] ranges = accept.split(",", 32);
        for (int i = 0; i < ranges.length; i++) {
            String[] parts = ranges[i].split(";");
            String type = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
            double q = 1;
            for (int p = 1; p < parts.length; p++) {
                String param = parts[p].trim();
                if (param.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (type.equals("text/csv") && csvAt < 0) {
                csvQ = q;
                csvAt = i;
            } else if (type.equals(CounterQuery.JSON) && jsonAt < 0) {
                jsonQ = q;
                jsonAt = i;
            }
        }
        return csvQ > 0 && (jsonAt < 0 || csvQ > jsonQ || csvQ == jsonQ && csvAt < jsonAt);
    }

    /** Where the rows come from: each series is handed to {@code out} as soon as it is read. */
    @FunctionalInterface
    interface Source {
        void forEach(SeriesSink out) throws StoreException, IOException;
    }

    @FunctionalInterface
    interface SeriesSink {
        void accept(Series s) throws IOException;
    }

    /**
     * The answer to a CSV query: the series of {@code counters}, or the page {@code paging} describes of the
     * counters with {@code prefix}. A prefix page's names (or ranking) are read now, so the next cursor can
     * go in a header; each counter's days are read while the body is written.
     */
    static CounterQuery.Answer answer(CounterEngine engine, String tenant, String pathCounter, List<String> counters,
            String prefix, Paging paging, LocalDate from, LocalDate to, LocalDate liveFrom) throws StoreException {
        Map<String, String> headers = new LinkedHashMap<>();
        String after = paging == null ? null : paging.cursor();
        headers.put("Content-Disposition", "attachment; filename=\"" + tenant
                + (pathCounter == null ? "" : "-" + pathCounter) + "-" + from + "-" + to
                + (after == null ? "" : "-after-" + after) + ".csv\"");
        Source source;
        if (paging == null) {
            source = out -> {
                for (String c : counters) {
                    out.accept(Series.of(engine, new CounterKey(tenant, c), from, to, liveFrom));
                }
            };
        } else if (paging.byTotal()) {
            Paging.Page page = paging.read(engine, tenant, prefix, from, to, liveFrom);
            if (Boolean.FALSE.equals(page.complete())) {
                headers.put(COMPLETE, "false");
            }
            source = out -> {
                for (Series s : page.series()) {
                    out.accept(s);
                }
            };
        } else {
            List<String> names = paging.names(engine, tenant, prefix, from, to, liveFrom);
            String next = paging.next(names);
            if (next != null) {
                headers.put(NEXT_CURSOR, next);
            }
            source = out -> {
                for (int i = 0; i < names.size(); i += READ_TOGETHER) {
                    List<String> part = names.subList(i, Math.min(names.size(), i + READ_TOGETHER));
                    for (Series s : Series.of(engine, tenant, part, from, to, liveFrom)) {
                        if (s.total() != 0) {
                            out.accept(s);
                        }
                    }
                }
            };
        }
        return new CounterQuery.Answer(200, CONTENT_TYPE, "", headers, out -> write(source, out));
    }

    /** Writes the header row and every row of {@code source}; a store failure part way aborts the body. */
    static void write(Source source, java.io.OutputStream stream) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), BUFFER);
        w.write(HEADER);
        w.write(CRLF);
        try {
            source.forEach(s -> {
                for (Map.Entry<LocalDate, Long> e : s.counts().entrySet()) {
                    w.write(cell(s.counter()));
                    w.write(',');
                    w.write(e.getKey().toString());
                    w.write(',');
                    w.write(Long.toString(e.getValue()));
                    w.write(',');
                    w.write(s.source(e.getKey()));
                    w.write(CRLF);
                }
            });
        } catch (StoreException e) {
            throw new IOException("store: unavailable part way through the CSV", e);
        }
        w.flush();
    }

    /** One text cell: a formula guarded with a leading {@code '}, then quoted when RFC 4180 asks for it. */
    static String cell(String text) {
        String t = text;
        if (!t.isEmpty()) {
            char first = t.charAt(0);
            if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') {
                t = "'" + t;
            }
        }
        boolean quote = false;
        for (int i = 0; i < t.length() && !quote; i++) {
            char c = t.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        return quote ? '"' + t.replace("\"", "\"\"") + '"' : t;
    }
}
