package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers {@code GET /b/{tenant}/{counter}.svg}: counts like the pixel (the same parse, validation,
 * signing and {@link CounterEngine#record}, so the same limits, bot check and fates) and answers an SVG
 * badge with the count ({@code show=today}, the default; {@code show=range&from=yyyy-MM-dd}, from then
 * to today; {@code show=total}, the all-time total), a {@code label} and a {@code style}. A request that counts nothing
 * answers the pixel's status with a red badge naming the problem, its one-line reason in the title.
 *
 * <p>Every badge says {@code Cache-Control: no-cache, max-age=0}, so an image proxy (GitHub's camo)
 * asks again on every view, and has an {@code ETag}: a matching {@code If-None-Match} gets a 304, and
 * the hit still counts, since the proxy revalidates once per view. HEAD answers the headers and counts
 * nothing, as for the pixel.
 */
public final class Badges {

    /** What a front door does to count a badge: build the hit from its request and record it. */
    @FunctionalInterface
    public interface Recorder {
        CounterEngine.Outcome record(PixelRequest pixel);
    }

    static final String CONTENT_TYPE = "image/svg+xml";
    static final String SUFFIX = ".svg";
    static final String DEFAULT_LABEL = "views";
    /** The longest label, in characters. */
    static final int MAX_LABEL = 40;
    private static final HttpAnswer METHOD_NOT_ALLOWED = HttpAnswer.methodNotAllowed("GET, HEAD");

    private final CounterEngine engine;

    public Badges(CounterEngine engine) {
        this.engine = engine;
    }

    /**
     * The whole answer to {@code method} on a badge path.
     *
     * @param path        the path after the badge mount point, still percent-encoded: {@code /{tenant}/{counter}.svg}
     * @param rawQuery    the raw query string, or null
     * @param ifNoneMatch the If-None-Match header, or null
     * @param recorder    records the badge's hit, for a GET that passed every check
     */
    public HttpAnswer respond(String method, String path, String rawQuery, String ifNoneMatch, Recorder recorder) {
        boolean head = HttpAnswer.HEAD.equals(method);
        if (!head && !HttpAnswer.GET.equals(method)) {
            return METHOD_NOT_ALLOWED;
        }
        HttpAnswer a = answer(head, path, rawQuery, ifNoneMatch, recorder);
        return head ? a.withoutBody() : a;
    }

    private HttpAnswer answer(boolean head, String path, String rawQuery, String ifNoneMatch, Recorder recorder) {
        String labelParam = PathSegments.queryParam(rawQuery, "label");
        String labelError = labelError(labelParam);
        String label = labelParam == null || labelError != null ? DEFAULT_LABEL : labelParam;
        String styleParam = PathSegments.queryParam(rawQuery, "style");
        Badge.Style style = styleParam == null ? Badge.Style.FLAT : Badge.Style.named(styleParam);
        Badge.Style shown = style == null ? Badge.Style.FLAT : style;
        if (path == null || !path.endsWith(SUFFIX)) {
            return refused(404, "path: expected /{tenant}/{counter}.svg", label, shown);
        }
        PixelRequest pixel = PixelRequest.parse(path.substring(0, path.length() - SUFFIX.length()), rawQuery,
                engine, engine.now());
        if (pixel.status() != 200 && pixel.status() != 302) {
            return refused(pixel.status(), pixel.error(), label, shown);
        }
        if (pixel.status() == 302) {
            return refused(400, "redir: a badge does not redirect", label, shown);
        }
        if (labelError != null) {
            return refused(400, labelError, label, shown);
        }
        if (style == null) {
            return refused(400, "style: expected flat, flat-square or plastic", label, shown);
        }
        LocalDate today = engine.today(pixel.key().tenant());
        LocalDate from;
        try {
            from = from(rawQuery, today);
        } catch (IllegalArgumentException e) {
            return refused(400, e.getMessage(), label, shown);
        }
        if (!head) {
            CounterEngine.Outcome outcome = recorder.record(pixel);
            PixelAnswer row = PixelAnswer.of(pixel, outcome);
            if (row.status() != 200) {
                return refused(row.status(), refusal(row), label, shown);
            }
        }
        long count;
        try {
            count = count(pixel.key(), from, today);
        } catch (StoreException e) {
            return refused(503, "store: unavailable, try again", label, shown);
        }
        String value = Long.toString(count);
        String svg = Badge.svg(label, value, Badge.COUNT_COLOR, style, label + ": " + value);
        String etag = ETags.of(svg);
        Map<String, String> headers = headers();
        headers.put("ETag", etag);
        return HttpAnswer.text(ETags.matches(ifNoneMatch, etag) ? 304 : 200, headers, CONTENT_TYPE, svg);
    }

    /**
     * The first day the badge sums: today for {@code show=today}, {@code from} for {@code show=range}
     * (today when absent); null for {@code show=total}, the all-time total.
     */
    private LocalDate from(String rawQuery, LocalDate today) {
        String show = PathSegments.queryParam(rawQuery, "show");
        String fromParam = PathSegments.queryParam(rawQuery, "from");
        int max = engine.config().maxRangeDays();
        if (show == null || show.equals("today")) {
            if (fromParam != null) {
                throw new IllegalArgumentException("from: only with show=range");
            }
            return today;
        }
        if (show.equals("total")) {
            if (fromParam != null) {
                throw new IllegalArgumentException("from: only with show=range");
            }
            return null;
        }
        if (!show.equals("range")) {
            throw new IllegalArgumentException("show: expected today, range or total");
        }
        if (fromParam == null) {
            return today;
        }
        LocalDate from;
        try {
            if (fromParam == PathSegments.MALFORMED || fromParam.length() != 10) {
                throw new DateTimeParseException("not yyyy-MM-dd", fromParam, 0);
            }
            from = LocalDate.parse(fromParam);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("from: expected a date yyyy-MM-dd");
        }
        if (from.isAfter(today)) {
            throw new IllegalArgumentException("from: expected a day on or before today (" + today + ")");
        }
        if (ChronoUnit.DAYS.between(from, today) + 1 > max) {
            throw new IllegalArgumentException("from: the range may cover at most " + max + " days (MAX_RANGE_DAYS)");
        }
        return from;
    }

    private long count(CounterKey key, LocalDate from, LocalDate today) throws StoreException {
        if (from == null) {
            return AllTime.of(engine, key).total();
        }
        if (from.equals(today)) {
            return engine.counts(key, today, today).getOrDefault(today, 0L);
        }
        return Series.of(engine, key, from, today, engine.liveFrom(key.tenant())).total();
    }

    /** Why {@code label} cannot be shown, or null when it can (or is absent). */
    static String labelError(String label) {
        if (label == null) {
            return null;
        }
        if (label == PathSegments.MALFORMED) {
            return "label: bad percent-encoding or UTF-8";
        }
        int n = label.codePointCount(0, label.length());
        if (n < 1 || n > MAX_LABEL) {
            return "label: expected 1 to " + MAX_LABEL + " characters";
        }
        for (int i = 0; i < label.length(); ) {
            int c = label.codePointAt(i);
            int type = Character.getType(c);
            // Format characters (bidi overrides, zero-width joiners) and separators could disguise a label.
            if (Character.isISOControl(c) || type == Character.SURROGATE || type == Character.UNASSIGNED
                    || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.PRIVATE_USE) {
                return "label: expected printable characters";
            }
            i += Character.charCount(c);
        }
        return null;
    }

    /** A badge that counted nothing: the pixel's status, a red value naming the problem, the reason in the title. */
    private static HttpAnswer refused(int status, String reason, String label, Badge.Style style) {
        String value = switch (status) {
            case 400 -> "invalid";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 429 -> "rate limited";
            default -> "unavailable";
        };
        Map<String, String> headers = headers();
        if (status == 429 || status == 503) {
            headers.put("Retry-After", "1");
        }
        return HttpAnswer.text(status, headers, CONTENT_TYPE,
                Badge.svg(label, value, Badge.ERROR_COLOR, style, label + ": " + reason));
    }

    private static Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Cache-Control", "no-cache, max-age=0");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Content-Security-Policy", "default-src 'none'");
        return h;
    }

    private static String refusal(PixelAnswer row) {
        return switch (row) {
            case RATE_LIMITED -> "rate: too many hits from this address, try again later";
            case OVER_RATE_QUOTA -> "tenant: over its hits-a-second quota, try again later";
            case OVER_COUNTER_QUOTA -> "counter: over the tenant's new counters a day";
            case NOT_FOUND -> "counter: not admitted by the tenant's registry";
            default -> "store: full, this hit was not counted";
        };
    }
}
