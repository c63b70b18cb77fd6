package io.restycounter.core.http;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
import io.restycounter.core.guard.PixelSigning;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * A pixel request, parsed and judged: which counter, how much, and what to answer. The front doors
 * (servlet or Jetty handler) only copy the result onto their response.
 *
 * @param status   200 to count, 302 to count and redirect, 400, 403 or 404 to count nothing
 * @param key      the counter, or null when the status is 404
 * @param inc      what the hit adds
 * @param redirect the target of a 302, or null
 * @param error    for 400, 403 and 404, a one-line reason naming the field
 */
public record PixelRequest(int status, CounterKey key, long inc, String redirect, String error) {

    /**
     * @param path     the request path after the pixel mount point, still percent-encoded:
     *                 {@code /{tenant}/{counter}}
     * @param rawQuery the raw query string, or null
     */
    public static PixelRequest parse(String path, String rawQuery, int maxIncrement, Pattern redirectAllowed) {
        return parse(path, rawQuery, maxIncrement, redirectAllowed, PixelSigning.none(), 0);
    }

    /** As {@link #parse(String, String, int, Pattern)}, refusing with 403 what a signing tenant did not sign. */
    public static PixelRequest parse(String path, String rawQuery, int maxIncrement, Pattern redirectAllowed,
            PixelSigning signing, long nowMillis) {
        return parse(PathSegments.split(path, 2), rawQuery, maxIncrement, redirectAllowed, signing, null, nowMillis);
    }

    /** As above; a {@code tenantSecret} (the registry's) replaces what {@code signing} holds for the tenant. */
    private static PixelRequest parse(String[] parts, String rawQuery, int maxIncrement, Pattern redirectAllowed,
            PixelSigning signing, byte[] tenantSecret, long nowMillis) {
        if (parts == null) {
            return refuse(404, "path: expected /{tenant}/{counter}");
        }
        if (!CounterKey.isValidTenant(parts[0])) {
            return refuse(404, "tenant: expected [a-z0-9]{1,32}");
        }
        if (!CounterKey.isValidCounter(parts[1])) {
            return refuse(404, "counter: expected 1 to 128 characters of [A-Za-z0-9._~-]");
        }
        CounterKey key = new CounterKey(parts[0], parts[1]);
        if (tenantSecret != null || signing.requires(key.tenant())) {
            // sig must come last, so the first exp is inside the signed part.
            String exp = PathSegments.queryParam(rawQuery, "exp");
            String refusal = tenantSecret != null ? PixelSigning.refusal(tenantSecret, key, rawQuery, exp, nowMillis)
                    : signing.refusal(key, rawQuery, exp, nowMillis);
            if (refusal != null) {
                return refuse(403, refusal);
            }
        }
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new PixelRequest(200, key, 1, null, null);
        }
        long inc = 1;
        String v = PathSegments.queryParam(rawQuery, "v");
        if (v != null) {
            inc = parseIncrement(v, maxIncrement);
            if (inc < 0) {
                return refuse(400, "v: expected an integer from 1 to " + maxIncrement);
            }
        }
        String redir = PathSegments.queryParam(rawQuery, "redir");
        if (redir == null) {
            return new PixelRequest(200, key, inc, null, null);
        }
        String target = allowedRedirect(redir, redirectAllowed);
        if (target == null) {
            return refuse(400, "redir: expected an absolute http(s) URL to an allowed host");
        }
        return new PixelRequest(302, key, inc, target, null);
    }

    /** As above, with the limits, redirect hosts and signing keys of {@code config}. */
    public static PixelRequest parse(String path, String rawQuery, CounterConfig config, long nowMillis) {
        return parse(path, rawQuery, config.maxIncrement(), config.redirectAllowed(), config.pixelSigning(), nowMillis);
    }

    /**
     * As above, with {@code engine}'s configuration and tenant registry: a tenant not in the registry
     * while OPEN_TENANTS=false, or a counter its rules do not allow, is 404; a registered tenant's own
     * signing secret and redirect hosts replace SIGNING_KEYS's and REDIRECT_ALLOWED for it.
     */
    public static PixelRequest parse(String path, String rawQuery, CounterEngine engine, long nowMillis) {
        CounterConfig config = engine.config();
        String[] parts = PathSegments.split(path, 2);
        TenantRegistry tenants = engine.tenants();
        TenantSettings t = parts == null ? null : tenants.find(parts[0]);
        if (t == null) {
            if (parts != null && !tenants.open() && CounterKey.isValidTenant(parts[0])
                    && CounterKey.isValidCounter(parts[1])) {
                return refuse(404, "tenant: not registered (OPEN_TENANTS=false)");
            }
            return withFate(engine, parts, nowMillis, parse(parts, rawQuery, config.maxIncrement(),
                    config.redirectAllowed(), config.pixelSigning(), null, nowMillis));
        }
        if (t.counters() != null && CounterKey.isValidCounter(parts[1]) && !t.counters().allows(parts[1])) {
            return refuse(404, "counter: not among the counters tenant " + t.id() + " allows");
        }
        Pattern redirects = t.redirectHosts() != null ? t.redirectHosts().pattern() : config.redirectAllowed();
        return withFate(engine, parts, nowMillis, parse(parts, rawQuery, config.maxIncrement(), redirects,
                config.pixelSigning(), t.signingSecretBytes(), nowMillis));
    }

    /** {@code pixel}, after noting the fate of a refused hit whose tenant and counter are well-formed (403, 400). */
    private static PixelRequest withFate(CounterEngine engine, String[] parts, long nowMillis, PixelRequest pixel) {
        if ((pixel.status == 400 || pixel.status == 403) && CounterKey.isValidTenant(parts[0])
                && CounterKey.isValidCounter(parts[1])) {
            engine.fate(new CounterKey(parts[0], parts[1]), nowMillis, pixel.status == 403 ? Fate.BAD_SIGNATURE
                    : Fate.REFUSED);
        }
        return pixel;
    }

    private static PixelRequest refuse(int status, String error) {
        return new PixelRequest(status, null, 0, null, error);
    }

    /** The value, or -1 when it is not a plain decimal from 1 to max. */
    private static long parseIncrement(String v, int max) {
        if (v == PathSegments.MALFORMED || v.isEmpty() || v.length() > 10) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n >= 1 && n <= max ? n : -1;
    }

    private static String allowedRedirect(String redir, Pattern allowed) {
        if (allowed == null || redir == PathSegments.MALFORMED) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(redir);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme();
        String host = uri.getHost();
        if (scheme == null || host == null || uri.getRawUserInfo() != null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            return null;
        }
        if (!allowed.matcher(host).matches()) {
            return null;
        }
        return uri.toASCIIString();
    }
}
