package io.restycounter.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.SortedMap;

/**
 * Answers {@code /p-query/{tenant}/{counter}}: the seed's text {@code today+yesterday}, or JSON.
 * Transport-neutral, so the servlet and the Jetty handler give the same answers.
 */
public final class CounterQuery {

    /** A complete answer: status, media type and body. */
    public record Answer(int status, String contentType, String body) {
    }

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final CounterEngine engine;

    public CounterQuery(CounterEngine engine) {
        this.engine = engine;
    }

    /**
     * @param path          the path after the query mount point, still percent-encoded: {@code /{tenant}/{counter}}
     * @param rawQuery      the raw query string, or null
     * @param apiKeyHeader  the X-Api-Key header, or null
     * @param authorization the Authorization header, or null
     * @param accept        the Accept header, or null
     */
    public Answer answer(String path, String rawQuery, String apiKeyHeader, String authorization, String accept) {
        String format = PathSegments.queryParam(rawQuery, "format");
        boolean json = "json".equals(format) || (format == null && accept != null && accept.contains(JSON));
        String key = presentedKey(rawQuery, apiKeyHeader, authorization);
        if (key == null) {
            return error(401, "apikey: required in X-Api-Key, Authorization: Bearer or ?apikey=", json);
        }
        if (!engine.isApiKey(key)) {
            return error(403, "apikey: not valid", json);
        }
        String[] parts = PathSegments.split(path, 2);
        if (parts == null || !CounterKey.isValidTenant(parts[0]) || !CounterKey.isValidCounter(parts[1])) {
            return error(404, parts == null ? "path: expected /{tenant}/{counter}"
                    : !CounterKey.isValidTenant(parts[0]) ? "tenant: expected [a-z0-9]{1,32}"
                    : "counter: expected 1 to 128 characters of [A-Za-z0-9._~-]", json);
        }
        CounterKey counter = new CounterKey(parts[0], parts[1]);
        LocalDate today = engine.today();
        SortedMap<LocalDate, Long> counts;
        try {
            counts = engine.counts(counter, today.minusDays(1), today);
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
        }));
    }

    private static String presentedKey(String rawQuery, String apiKeyHeader, String authorization) {
        if (apiKeyHeader != null && !apiKeyHeader.isEmpty()) {
            return apiKeyHeader;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String q = PathSegments.queryParam(rawQuery, "apikey");
        return q == null || q.isEmpty() || q == PathSegments.MALFORMED ? null : q;
    }

    private static Answer error(int status, String message, boolean json) {
        if (!json) {
            return new Answer(status, TEXT, message);
        }
        return new Answer(status, JSON, write(g -> g.writeStringField("error", message)));
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Fields fields) {
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
