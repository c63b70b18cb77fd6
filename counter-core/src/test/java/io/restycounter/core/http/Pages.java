package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the pages of prefix queries, for the tests of issue 16's bounded queries. */
final class Pages {

    static final String API_KEY = "0123456789abcdef";
    private static final Pattern COUNTER = Pattern.compile("\\{\"counter\":\"([^\"]+)\",\"total\":(\\d+)");
    private static final Pattern CURSOR = Pattern.compile("\"cursor\":\"([^\"]+)\"");

    private Pages() {
    }

    /** {@code news-0000} ... with {@code i % 7 + 1} hits each, and as many {@code other-} counters. */
    static void count(CounterEngine engine, int n) {
        for (int i = 0; i < n; i++) {
            for (String name : new String[] {String.format("news-%04d", i), String.format("other-%04d", i)}) {
                Hit hit = new Hit(engine.now(), new CounterKey("acme", name), i % 7 + 1, 200, "GET", "/", null, null,
                        null, null, null, null);
                if (engine.record(hit) != CounterEngine.Outcome.COUNTED) {
                    throw new AssertionError("not counted: " + name);
                }
            }
        }
    }

    static CounterQuery.Answer ask(CounterQuery query, String rawQuery) {
        return query.answer(new CounterQuery.Request("/acme", rawQuery + "&apikey=" + API_KEY, null, null, null, null,
                null, "203.0.113.9"));
    }

    static List<String> counters(String body) {
        List<String> out = new ArrayList<>();
        Matcher m = COUNTER.matcher(body);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static List<Long> totals(String body) {
        List<Long> out = new ArrayList<>();
        Matcher m = COUNTER.matcher(body);
        while (m.find()) {
            out.add(Long.parseLong(m.group(2)));
        }
        return out;
    }

    static String cursor(String body) {
        Matcher m = CURSOR.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    /** Every page of {@code rawQuery}, following cursors; at most {@code maxPages}. */
    static List<String> allPages(CounterQuery query, String rawQuery, int maxPages, List<Integer> sizes) {
        List<String> all = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < maxPages; page++) {
            CounterQuery.Answer a = ask(query, rawQuery + (cursor == null ? "" : "&cursor=" + cursor));
            if (a.status() != 200) {
                throw new AssertionError(a.status() + " " + a.body());
            }
            List<String> names = counters(a.body());
            sizes.add(names.size());
            all.addAll(names);
            cursor = cursor(a.body());
            if (cursor == null) {
                return all;
            }
        }
        throw new AssertionError("more than " + maxPages + " pages");
    }
}
