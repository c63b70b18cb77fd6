package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.UniqueVisitors;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Answers {@code /p-query/{tenant}/{counter}}: the seed's text {@code today+yesterday}, or JSON; with
 * {@code from}/{@code to}, or as {@code /p-query/{tenant}?counter=a&counter=b} or {@code ?prefix=news},
 * a daily series whose days in the live window come from the store and older days from the archive.
 * Transport-neutral, so the servlet and the Jetty handler give the same answers, headers included:
 * both send what {@link #respond} says.
 */
public final class CounterQuery {

    /** What a front door passes in: headers it does not have are null. */
    public record Request(String path, String rawQuery, String apiKeyHeader, String authorization, String accept,
            String ifNoneMatch, String origin, String client) {

        /** A request whose client address is unknown: its wrong keys count against one shared budget. */
        public Request(String path, String rawQuery, String apiKeyHeader, String authorization, String accept,
                String ifNoneMatch, String origin) {
            this(path, rawQuery, apiKeyHeader, authorization, accept, ifNoneMatch, origin, null);
        }
    }

    /**
     * What a query says: status, media type, body, and headers to set on top of the defaults
     * ({@code Cache-Control: no-store}, {@code Vary}) that {@link #respond} adds. A CSV answer has no
     * {@code body} but a {@code stream} that writes it, and holds its query slot until that is written:
     * whoever takes such an answer writes it.
     */
    public record Answer(int status, String contentType, String body, Map<String, String> headers,
            HttpAnswer.BodyWriter stream) {

        public Answer(int status, String contentType, String body, Map<String, String> headers) {
            this(status, contentType, body, headers, null);
        }

        public Answer(int status, String contentType, String body) {
            this(status, contentType, body, Map.of());
        }
    }

    static final String TEXT = HttpAnswer.TEXT;
    static final String JSON = "application/json";
    /** At most this many counters in one answer. */
    static final int MAX_COUNTERS = 100;
    /** Days a tenant query without from/to covers, ending today. */
    static final int DEFAULT_DAYS = 7;
    static final String VARY = "Accept, Authorization, X-Api-Key";
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final HttpAnswer METHOD_NOT_ALLOWED = HttpAnswer.methodNotAllowed("GET, OPTIONS");

    private final CounterEngine engine;
    private final List<String> corsOrigins;
    private final QueryGuard guard;
    private final HistoryImportAnswer imports;

    public CounterQuery(CounterEngine engine) {
        this.engine = engine;
        this.corsOrigins = engine.config().corsOrigins();
        this.guard = new QueryGuard(engine.tenantKeys());
        this.imports = new HistoryImportAnswer(engine, this);
    }

    /**
     * @param path          the path after the query mount point, still percent-encoded: {@code /{tenant}/{counter}}
     * @param rawQuery      the raw query string, or null
     * @param apiKeyHeader  the X-Api-Key header, or null
     * @param authorization the Authorization header, or null
     * @param accept        the Accept header, or null
     */
    public Answer answer(String path, String rawQuery, String apiKeyHeader, String authorization, String accept) {
        return answer(new Request(path, rawQuery, apiKeyHeader, authorization, accept, null, null));
    }

    /**
     * The whole HTTP answer to {@code method} on a query path: GET is {@link #answer(Request)}, OPTIONS
     * a {@link #preflight}, anything else 405. Every answer but the 405 says {@code Cache-Control: no-store}
     * and {@code Vary} unless it sets its own, and a 401 asks for a Bearer token.
     */
    public HttpAnswer respond(String method, Request r) {
        return respond(method, r, null);
    }

    /**
     * As {@link #respond(String, Request)}, and a {@code POST} with a {@code body} to
     * {@code /{tenant}/import} loads imported history ({@link HistoryImportAnswer}).
     */
    public HttpAnswer respond(String method, Request r, HistoryImportAnswer.Body body) {
        Answer a;
        if (HttpAnswer.GET.equals(method)) {
            a = answer(r);
        } else if (HttpAnswer.OPTIONS.equals(method)) {
            a = preflight(r.origin());
        } else if (HistoryImportAnswer.POST.equals(method) && body != null && HistoryImportAnswer.isImportPath(r.path())) {
            a = imports.answer(r, body);
        } else {
            return METHOD_NOT_ALLOWED;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cache-Control", "no-store");
        headers.put("Vary", VARY);
        headers.putAll(a.headers());
        if (a.status() == 401) {
            headers.put("WWW-Authenticate", "Bearer");
        }
        if (a.stream() != null) {
            return HttpAnswer.streamed(a.status(), headers, a.contentType(), a.stream());
        }
        return HttpAnswer.text(a.status(), headers, a.contentType(), a.body());
    }

    public Answer answer(Request r) {
        Answer a = answerWithoutCors(r);
        Map<String, String> cors = cors(r.origin());
        if (cors.isEmpty()) {
            return a;
        }
        Map<String, String> headers = new LinkedHashMap<>(a.headers());
        headers.putAll(cors);
        return new Answer(a.status(), a.contentType(), a.body(), headers, a.stream());
    }

    /** The answer to a CORS preflight ({@code OPTIONS}) from {@code origin}: 204, with CORS headers when allowed. */
    public Answer preflight(String origin) {
        Map<String, String> headers = new LinkedHashMap<>(cors(origin));
        if (!headers.isEmpty()) {
            headers.put("Access-Control-Allow-Methods", "GET, OPTIONS");
            headers.put("Access-Control-Allow-Headers", "X-Api-Key, Authorization, Accept, If-None-Match");
            headers.put("Access-Control-Max-Age", "600");
        }
        headers.put("Allow", "GET, OPTIONS");
        return new Answer(204, TEXT, "", headers);
    }

    private Map<String, String> cors(String origin) {
        if (corsOrigins.isEmpty()) {
            return Map.of();
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Vary", VARY + ", Origin");
        if (origin != null && (corsOrigins.contains("*") || corsOrigins.contains(origin))) {
            h.put("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin);
            h.put("Access-Control-Expose-Headers", "ETag, " + CsvExport.NEXT_CURSOR + ", " + CsvExport.COMPLETE
                    + ", Content-Disposition");
        }
        return h;
    }

    private Answer answerWithoutCors(Request r) {
        String rawQuery = r.rawQuery();
        String format = PathSegments.queryParam(rawQuery, "format");
        String from = PathSegments.queryParam(rawQuery, "from");
        String to = PathSegments.queryParam(rawQuery, "to");
        String[] both = PathSegments.split(r.path(), 2);
        String[] one = both == null ? PathSegments.split(r.path(), 1) : null;
        boolean csv = "csv".equals(format) || format == null && CsvExport.preferredBy(r.accept());
        boolean series = one != null || from != null || to != null || csv || Hourly.named(rawQuery);
        boolean json = series || "json".equals(format)
                || (format == null && r.accept() != null && r.accept().contains(JSON));
        String key = QueryGuard.presentedKey(rawQuery, r.apiKeyHeader(), r.authorization());
        if (key == null) {
            return error(401, "apikey: required in X-Api-Key, Authorization: Bearer or ?apikey=", json);
        }
        String tenant = both != null ? both[0] : one != null ? one[0] : null;
        Answer refused = refuseKey(r, key, tenant, json);
        if (refused != null) {
            return refused;
        }
        QueryGuard.Slot slot = guard.enter(key, !engine.isApiKey(key), engine.now());
        if (slot == null) {
            return tooMany(QueryGuard.TOO_MANY, json);
        }
        Answer a;
        try {
            a = answerAuthorized(r, rawQuery, both, series, json, tenant, from, to, format, csv);
        } catch (RuntimeException | Error e) {
            slot.close();
            throw e;
        }
        if (a.stream() == null) {
            slot.close();
            return a;
        }
        // A streamed CSV reads the store while it is written: it keeps the slot until then.
        return new Answer(a.status(), a.contentType(), a.body(), a.headers(), QueryGuard.releasing(slot, a.stream()));
    }

    /** Null when {@code key} may read {@code tenant} (its own key, or API_KEY); else the 403, 429 or 503. */
    Answer refuseKey(Request r, String key, String tenant, boolean json) {
        if (engine.isApiKey(key)) {
            return null;
        }
        String client = r.client() == null ? "" : r.client();
        long now = engine.now();
        if (!guard.mayTry(client, now)) {
            return tooMany("apikey: too many wrong keys from this address, try again later", json);
        }
        try {
            if (!CounterKey.isValidTenant(tenant) || !guard.accepts(tenant, key, now)) {
                guard.failed(client, now);
                return error(403, "apikey: not valid", json);
            }
        } catch (StoreException e) {
            return error(503, "store: unavailable, try again", json);
        }
        return null;
    }

    QueryGuard guard() {
        return guard;
    }

    static Answer tooMany(String message, boolean json) {
        Answer a = error(429, message, json);
        return new Answer(429, a.contentType(), a.body(), Map.of("Retry-After", Integer.toString(QueryGuard.RETRY_AFTER_SECONDS)));
    }

    private Answer answerAuthorized(Request r, String rawQuery, String[] both, boolean series, boolean json,
            String tenant, String from, String to, String format, boolean csv) {
        if (tenant == null) {
            return error(404, "path: expected /{tenant}/{counter} or /{tenant}", json);
        }
        if (!CounterKey.isValidTenant(tenant)) {
            return error(404, "tenant: expected [a-z0-9]{1,32}", json);
        }
        if (!engine.tenants().admits(tenant)) {
            return error(404, "tenant: not registered (OPEN_TENANTS=false)", json);
        }
        if (both != null && !CounterKey.isValidCounter(both[1])) {
            return error(404, "counter: expected 1 to 128 characters of [A-Za-z0-9._~-]", json);
        }
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            return badParameter("format", "expected json or csv, got \"" + shorten(format) + "\"");
        }
        if (!series) {
            try {
                return todayAndYesterday(new CounterKey(tenant, both[1]), json && AllTime.requested(rawQuery), json);
            } catch (Paging.BadParameter e) {
                return badParameter(e.parameter, e.getMessage());
            }
        }
        return series(tenant, both == null ? null : both[1], from, to, rawQuery, r.ifNoneMatch(), csv);
    }

    private Answer todayAndYesterday(CounterKey counter, boolean withAllTime, boolean json) {
        LocalDate today = engine.today(counter.tenant());
        SortedMap<LocalDate, Long> counts;
        AllTime all;
        try {
            counts = engine.counts(counter, today.minusDays(1), today);
            all = withAllTime ? AllTime.of(engine, counter) : null;
        } catch (StoreException e) {
            return error(503, "store: unavailable, try again", json);
        }
        long t = counts.getOrDefault(today, 0L);
        long y = counts.getOrDefault(today.minusDays(1), 0L);
        if (!json) {
            return new Answer(200, TEXT, t + "+" + y);
        }
        return new Answer(200, JSON, write(g -> {
            g.writeStringField("tenant", counter.tenant());
            g.writeStringField("counter", counter.counter());
            g.writeNumberField("today", t);
            g.writeNumberField("yesterday", y);
            writeAllTime(g, all);
        }));
    }

    /** A 400 naming the query parameter at fault. */
    private static Answer badParameter(String parameter, String message) {
        return new Answer(400, JSON, write(g -> {
            g.writeStringField("error", parameter + ": " + message);
            g.writeStringField("parameter", parameter);
        }));
    }

    private Answer series(String tenant, String pathCounter, String fromParam, String toParam, String rawQuery,
            String ifNoneMatch, boolean csv) {
        LocalDate today = engine.today(tenant);
        LocalDate from;
        LocalDate to;
        try {
            to = toParam == null ? today : parseDay(toParam);
        } catch (DateTimeParseException e) {
            return badParameter("to", "expected a date yyyy-MM-dd, got \"" + shorten(toParam) + "\"");
        }
        try {
            from = fromParam == null ? (toParam == null && pathCounter == null ? today.minusDays(DEFAULT_DAYS - 1) : to)
                    : parseDay(fromParam);
        } catch (DateTimeParseException e) {
            return badParameter("from", "expected a date yyyy-MM-dd, got \"" + shorten(fromParam) + "\"");
        }
        if (from.isAfter(to)) {
            return badParameter("from", "expected a day on or before to (" + to + "), got " + from);
        }
        int max = engine.config().maxRangeDays();
        long span = ChronoUnit.DAYS.between(from, to) + 1;
        if (span > max) {
            return badParameter("to", "the range may cover at most " + max + " days (MAX_RANGE_DAYS), got " + span);
        }
        List<String> counters = new ArrayList<>();
        String prefix = null;
        if (pathCounter != null) {
            counters.add(pathCounter);
        } else {
            for (String c : PathSegments.queryParams(rawQuery, "counter")) {
                if (c == PathSegments.MALFORMED || !CounterKey.isValidCounter(c)) {
                    return badParameter("counter", "expected 1 to 128 characters of [A-Za-z0-9._~-], got \""
                            + shorten(c) + "\"");
                }
                if (!counters.contains(c)) {
                    counters.add(c);
                }
            }
            prefix = PathSegments.queryParam(rawQuery, "prefix");
            if (prefix != null && (prefix == PathSegments.MALFORMED
                    || !prefix.isEmpty() && !CounterKey.isValidCounter(prefix))) {
                return badParameter("prefix", "expected up to 128 characters of [A-Za-z0-9._~-]");
            }
            if (counters.isEmpty() && prefix == null) {
                return badParameter("counter", "expected counter=NAME (repeatable) or prefix=TEXT");
            }
        }
        Paging paging = null;
        boolean withAllTime;
        boolean hourly;
        try {
            hourly = Hourly.requested(rawQuery, pathCounter, from, to);
            withAllTime = AllTime.requested(rawQuery);
            if (prefix != null) {
                paging = Paging.parse(rawQuery);
            }
        } catch (Paging.BadParameter e) {
            return badParameter(e.parameter, e.getMessage());
        }
        LocalDate liveFrom = engine.liveFrom(tenant);
        boolean closed = to.isBefore(liveFrom);
        if (csv) {
            if (paging == null && counters.size() > MAX_COUNTERS) {
                return badParameter("counter", "at most " + MAX_COUNTERS + " counters in one query, got "
                        + counters.size());
            }
            try {
                if (hourly) {
                    return Hourly.csv(engine, new CounterKey(tenant, pathCounter), from, to, liveFrom);
                }
                return CsvExport.answer(engine, tenant, pathCounter, counters, prefix, paging, from, to, liveFrom);
            } catch (StoreException e) {
                return error(503, "store: unavailable, try again", true);
            }
        }
        try {
            Paging.Page page = null;
            List<Series> out = new ArrayList<>();
            if (paging != null) {
                page = paging.read(engine, tenant, prefix, from, to, liveFrom);
                out.addAll(Series.withUniques(engine, page.series(), tenant, from, to));
            } else {
                if (counters.size() > MAX_COUNTERS) {
                    return badParameter("counter", "at most " + MAX_COUNTERS + " counters in one query, got "
                            + counters.size());
                }
                out.addAll(Series.withUniques(engine, Series.of(engine, tenant, counters, from, to, liveFrom), tenant,
                        from, to));
            }
            Paging.Page shown = page;
            SortedMap<LocalDate, long[]> hours = hourly
                    ? Hourly.of(engine, new CounterKey(tenant, pathCounter), from, to, liveFrom) : null;
            Map<String, AllTime> allTime = new LinkedHashMap<>();
            for (Series s : withAllTime ? out : List.<Series>of()) {
                allTime.put(s.counter(), AllTime.of(engine, new CounterKey(tenant, s.counter())));
            }
            String body = write(g -> {
                g.writeStringField("tenant", tenant);
                if (pathCounter != null) {
                    g.writeStringField("counter", pathCounter);
                }
                g.writeStringField("from", from.toString());
                g.writeStringField("to", to.toString());
                if (pathCounter != null) {
                    if (hourly) {
                        g.writeStringField(Hourly.PARAMETER, "hour");
                        g.writeStringField("zone", Hourly.zone(engine, tenant).getId());
                    }
                    Series.write(g, out.get(0), hours, Hourly.zone(engine, tenant));
                    writeAllTime(g, allTime.get(pathCounter));
                } else {
                    g.writeArrayFieldStart("counters");
                    for (Series s : out) {
                        g.writeStartObject();
                        g.writeStringField("counter", s.counter());
                        Series.write(g, s);
                        writeAllTime(g, allTime.get(s.counter()));
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
                if (shown != null) {
                    shown.writeTo(g);
                }
            });
            // An all-time total changes every day, so such an answer is never cached.
            if (closed && !withAllTime && engine.archive().allAggregated(from, to)) {
                return cacheable(body, ifNoneMatch);
            }
            return new Answer(200, JSON, body);
        } catch (StoreException e) {
            return error(503, "store: unavailable, try again", true);
        }
    }

    /** A closed, archived range does not change: an ETag, an hour in the browser's cache, 304 when unchanged. */
    private static Answer cacheable(String body, String ifNoneMatch) {
        String etag = ETags.of(body);
        Map<String, String> headers = Map.of("ETag", etag, "Cache-Control", "private, max-age=3600");
        return ETags.matches(ifNoneMatch, etag) ? new Answer(304, JSON, "", headers) : new Answer(200, JSON, body, headers);
    }

    private static void writeAllTime(JsonGenerator g, AllTime all) throws IOException {
        if (all != null) {
            all.writeTo(g);
        }
    }

    private static LocalDate parseDay(String s) {
        if (s == PathSegments.MALFORMED || s.length() != 10) {
            throw new DateTimeParseException("not yyyy-MM-dd", s, 0);
        }
        return LocalDate.parse(s);
    }

    private static String shorten(String s) {
        if (s == PathSegments.MALFORMED) {
            return "(bad encoding)";
        }
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    static Answer error(int status, String message, boolean json) {
        if (!json) {
            return new Answer(status, TEXT, message);
        }
        return new Answer(status, JSON, write(g -> g.writeStringField("error", message)));
    }

    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON object, its fields written by {@code fields}. */
    static String write(Fields fields) {
        StringWriter out = new StringWriter(96);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
