package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.io.IOException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * One page of a prefix query ({@code prefix}, {@code limit}, {@code cursor}, {@code sort}): it reads only
 * the names it returns, from the store's index of each live day and the archive's index of each month,
 * never a whole tenant.
 *
 * <p>A page examines the next {@code limit} names after the cursor and lists those with a count in the
 * range, so it may list fewer than {@code limit}; {@code cursor} in the answer, the last name examined, asks
 * for the next page, and its absence says there is none. {@code sort=total} lists the counters with the
 * highest totals of the range among the first {@value #SORT_CANDIDATES} names of the prefix (after the
 * cursor): the answer says {@code "complete": false} when there were more.
 */
final class Paging {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    /** The names {@code sort=total} ranks at most in one query. */
    static final int SORT_CANDIDATES = 10_000;
    /**
     * The names {@code sort=total} reads from each index and ranks at once: few round trips, and an index
     * read that still holds Redis for about a millisecond.
     */
    static final int RANK_STEP = 5_000;

    private final int limit;
    private final String cursor;
    private final boolean byTotal;

    private Paging(int limit, String cursor, boolean byTotal) {
        this.limit = limit;
        this.cursor = cursor;
        this.byTotal = byTotal;
    }

    /** A query parameter that holds no valid value. */
    static final class BadParameter extends Exception {
        final String parameter;

        BadParameter(String parameter, String message) {
            super(message, null, false, false);
            this.parameter = parameter;
        }
    }

    static Paging parse(String rawQuery) throws BadParameter {
        String l = PathSegments.queryParam(rawQuery, "limit");
        int limit = DEFAULT_LIMIT;
        if (l != null) {
            try {
                limit = l == PathSegments.MALFORMED ? 0 : Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = 0;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new BadParameter("limit", "expected a number from 1 to " + MAX_LIMIT);
            }
        }
        String cursor = PathSegments.queryParam(rawQuery, "cursor");
        if (cursor != null && (cursor == PathSegments.MALFORMED || !CounterKey.isValidCounter(cursor))) {
            throw new BadParameter("cursor", "expected the cursor of the previous answer");
        }
        String sort = PathSegments.queryParam(rawQuery, "sort");
        if (sort != null && !sort.equals("name") && !sort.equals("total")) {
            throw new BadParameter("sort", "expected name or total");
        }
        return new Paging(limit, cursor, "total".equals(sort));
    }

    /** What a page lists, and where the next one starts (null: nothing after it). */
    record Page(List<Series> series, String next, Boolean complete) {

        void writeTo(JsonGenerator g) throws IOException {
            if (next != null) {
                g.writeStringField("cursor", next);
            }
            if (complete != null) {
                g.writeBooleanField("complete", complete);
            }
        }
    }

    String cursor() {
        return cursor;
    }

    boolean byTotal() {
        return byTotal;
    }

    /** The names a page by name examines, in order: those with a count in the range make the page. */
    List<String> names(CounterEngine engine, String tenant, String prefix, LocalDate from, LocalDate to,
            LocalDate liveFrom) throws StoreException {
        return names(engine, tenant, prefix, cursor, limit, from, to, liveFrom);
    }

    /** The cursor of the page after the one that examined {@code names}, or null when there is none. */
    String next(List<String> names) {
        return names.size() == limit ? names.get(names.size() - 1) : null;
    }

    Page read(CounterEngine engine, String tenant, String prefix, LocalDate from, LocalDate to, LocalDate liveFrom)
            throws StoreException {
        if (!byTotal) {
            List<String> names = names(engine, tenant, prefix, from, to, liveFrom);
            List<Series> out = new ArrayList<>();
            for (Series s : Series.of(engine, tenant, names, from, to, liveFrom)) {
                if (s.total() != 0) {
                    out.add(s);
                }
            }
            return new Page(out, next(names), null);
        }
        // Ranked by totals alone; only the days of the counters listed are read.
        record Ranked(String counter, long total) {
        }
        Comparator<Ranked> order = Comparator.comparingLong(Ranked::total).reversed().thenComparing(Ranked::counter);
        List<Ranked> ranked = new ArrayList<>();
        String after = cursor;
        boolean complete = true;
        for (int seen = 0; ; ) {
            if (seen >= SORT_CANDIDATES) {
                complete = false;
                break;
            }
            int step = Math.min(RANK_STEP, SORT_CANDIDATES - seen);
            List<String> names = names(engine, tenant, prefix, after, step, from, to, liveFrom);
            long[] totals = Series.totals(engine, tenant, names, from, to, liveFrom);
            for (int i = 0; i < totals.length; i++) {
                if (totals[i] != 0) {
                    ranked.add(new Ranked(names.get(i), totals[i]));
                }
            }
            ranked.sort(order);
            if (ranked.size() > limit) {
                ranked.subList(limit, ranked.size()).clear();
            }
            seen += names.size();
            if (names.size() < step) {
                break;
            }
            after = names.get(names.size() - 1);
        }
        List<Series> listed = new ArrayList<>(Series.of(engine, tenant, ranked.stream().map(Ranked::counter).toList(),
                from, to, liveFrom));
        listed.removeIf(s -> s.total() == 0);
        listed.sort(Comparator.comparingLong(Series::total).reversed().thenComparing(Series::counter));
        return new Page(listed, null, complete);
    }

    /**
     * The first {@code limit} names after {@code after} with the prefix, over the live days and archived
     * months of the range: at most {@code limit} from each, merged in name order.
     */
    private static List<String> names(CounterEngine engine, String tenant, String prefix, String after, int limit,
            LocalDate from, LocalDate to, LocalDate liveFrom) throws StoreException {
        TreeSet<String> merged = new TreeSet<>();
        if (from.isBefore(liveFrom)) {
            LocalDate last = Series.min(to, liveFrom.minusDays(1));
            List<YearMonth> months = new ArrayList<>();
            for (YearMonth m = YearMonth.from(from); !m.isAfter(YearMonth.from(last)); m = m.plusMonths(1)) {
                months.add(m);
            }
            merged.addAll(engine.archive().counterPages(tenant, months, prefix, after, limit));
        }
        LocalDate today = engine.today(tenant);
        List<LocalDate> days = new ArrayList<>();
        for (LocalDate d = Series.max(from, liveFrom); !d.isAfter(Series.min(to, today)); d = d.plusDays(1)) {
            days.add(d);
        }
        if (!days.isEmpty()) {
            merged.addAll(engine.store().counterPages(tenant, days, prefix, after, limit));
        }
        return CounterArchive.first(merged, limit);
    }
}
