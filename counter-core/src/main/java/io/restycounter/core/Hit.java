package io.restycounter.core;

import java.util.Objects;

/**
 * One counted request, as the front door saw it. Header values are kept as the client sent them;
 * the log's JSON encoder is what makes them safe. Location is added by the log writer, off the
 * request thread.
 *
 * @param epochMillis when the hit was served, from the engine's clock
 * @param inc         how much it adds, at least 1
 * @param ip          the client address the counter believes (see TRUSTED_PROXIES); null in a private hit
 * @param xff         the X-Forwarded-For header as received, or null
 * @param bot         the user agent is a known crawler or headless browser (set by the engine)
 * @param privateHit  the client asked not to be tracked and its tenant respects that (set by the engine):
 *                    {@code ip}, {@code xff}, {@code referer} and {@code userAgent} are null, the line is
 *                    marked {@code "private":true}, and the hit must join no per-visitor data
 */
public record Hit(long epochMillis, CounterKey key, long inc, int status, String method, String uri,
                  String ip, String xff, String host, String scheme, String referer, String userAgent,
                  boolean bot, boolean privateHit) {

    /** A hit not (yet) classified as a bot or private. */
    public Hit(long epochMillis, CounterKey key, long inc, int status, String method, String uri,
               String ip, String xff, String host, String scheme, String referer, String userAgent) {
        this(epochMillis, key, inc, status, method, uri, ip, xff, host, scheme, referer, userAgent, false, false);
    }

    /** A hit not (yet) classified as private. */
    public Hit(long epochMillis, CounterKey key, long inc, int status, String method, String uri,
               String ip, String xff, String host, String scheme, String referer, String userAgent, boolean bot) {
        this(epochMillis, key, inc, status, method, uri, ip, xff, host, scheme, referer, userAgent, bot, false);
    }

    /**
     * This hit marked as a bot and/or private in one copy; a private copy keeps nothing that identifies
     * its client.
     */
    Hit classified(boolean asBot, boolean asPrivate) {
        return asPrivate
                ? new Hit(epochMillis, key, inc, status, method, uri, null, null, host, scheme, null, null, asBot, true)
                : new Hit(epochMillis, key, inc, status, method, uri, ip, xff, host, scheme, referer, userAgent,
                        asBot, privateHit);
    }

    public Hit {
        Objects.requireNonNull(key, "key");
        if (inc < 1) {
            throw new IllegalArgumentException("inc: expected at least 1, got " + inc);
        }
    }
}
