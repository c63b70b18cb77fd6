package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;

/**
 * Every answer a pixel path gives, one row each: the README's HTTP table as constants, built once.
 * Every row but the 405 carries the GIF's headers ({@code Cache-Control} and {@code Pragma} included),
 * so a front door can pre-encode them at start and copy a row without allocating. {@link #REDIRECT}
 * is the one row that needs a header per request: {@code Location}, the pixel's {@link PixelRequest#redirect()}.
 */
public enum PixelAnswer {
    /** Counted (or logged as a bot): 200 with the GIF. */
    COUNTED(HttpAnswer.gif(200)),
    /**
     * A browser prefetch or prerender, not counted (COUNT_PREFETCH=false): the same 200, GIF and no-store
     * headers as a counted pixel, so the page's image loads and no cache keeps it for a later real view.
     */
    PREFETCH(HttpAnswer.gif(200)),
    /** Counted, and {@code redir} names an allowed host: 302 with the GIF and a {@code Location}. */
    REDIRECT(HttpAnswer.gif(302)),
    /** A bad {@code v} or a refused {@code redir}: not counted. */
    BAD_REQUEST(HttpAnswer.gif(400)),
    /** A signing tenant's pixel without a valid {@code sig}: not counted. */
    FORBIDDEN(HttpAnswer.gif(403)),
    /** A bad tenant or counter: not counted. */
    NOT_FOUND(HttpAnswer.gif(404)),
    /** Over the rate limit: not counted. */
    RATE_LIMITED(HttpAnswer.gif(429).with("Retry-After", "1")),
    /** The tenant is over its max-hits-per-second: not counted. */
    OVER_RATE_QUOTA(HttpAnswer.gif(429).with("Retry-After", "1")),
    /** A counter past the tenant's max-new-counters-per-day: not counted. */
    OVER_COUNTER_QUOTA(HttpAnswer.gif(403)),
    /** The store or the log is full: not counted. */
    UNAVAILABLE(HttpAnswer.gif(503).with("Retry-After", "1")),
    /** HEAD: the GIF's headers without the GIF; link checkers and prefetchers are not readers, so nothing counts. */
    HEAD(HttpAnswer.gif(200).withoutBody()),
    /** Any method but GET and HEAD. */
    METHOD_NOT_ALLOWED(HttpAnswer.methodNotAllowed("GET, HEAD"));

    private final HttpAnswer answer;

    PixelAnswer(HttpAnswer answer) {
        this.answer = answer;
    }

    public int status() {
        return answer.status();
    }

    /** The row's answer; for {@link #REDIRECT} without its {@code Location}. */
    public HttpAnswer answer() {
        return answer;
    }

    /** The complete answer to {@code pixel}: the row's, with the {@code Location} of a redirect. */
    public HttpAnswer answer(PixelRequest pixel) {
        return this == REDIRECT ? answer.with("Location", pixel.redirect()) : answer;
    }

    /**
     * The answer to a method that counts nothing, without looking at the path: HEAD, or 405 for
     * anything but GET. Null for GET, whose request is {@linkplain PixelRequest#parse parsed} and recorded.
     */
    public static PixelAnswer withoutCounting(String method) {
        if (HttpAnswer.GET.equals(method)) {
            return null;
        }
        return HttpAnswer.HEAD.equals(method) ? HEAD : METHOD_NOT_ALLOWED;
    }

    /**
     * The row for a GET.
     *
     * @param outcome what {@link CounterEngine#record} said of the pixel's hit, or null when it has
     *                no {@linkplain PixelRequest#key() key} and was not recorded
     */
    public static PixelAnswer of(PixelRequest pixel, CounterEngine.Outcome outcome) {
        if (outcome != null) {
            switch (outcome) {
                case RATE_LIMITED:
                    return RATE_LIMITED;
                case OVER_RATE_QUOTA:
                    return OVER_RATE_QUOTA;
                case OVER_COUNTER_QUOTA:
                    return OVER_COUNTER_QUOTA;
                case NOT_ADMITTED:
                    return NOT_FOUND;
                default:
                    break;
            }
        }
        if (outcome != null && outcome != CounterEngine.Outcome.COUNTED
                && outcome != CounterEngine.Outcome.LOGGED_AS_BOT && outcome != CounterEngine.Outcome.PREFETCH) {
            return UNAVAILABLE;
        }
        return switch (pixel.status()) {
            case 200 -> outcome == CounterEngine.Outcome.PREFETCH ? PREFETCH : COUNTED;
            case 302 -> REDIRECT;
            case 400 -> BAD_REQUEST;
            case 403 -> FORBIDDEN;
            default -> NOT_FOUND;
        };
    }
}
