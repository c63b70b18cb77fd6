package io.restycounter.app;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.Hit;
import io.restycounter.core.http.CounterQuery;
import io.restycounter.core.http.Pixel;
import io.restycounter.core.http.PixelRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The app's front door: {@code /p/}, {@code /p-query/}, {@code /healthcheck} and {@code /robots.txt}.
 * A Jetty core handler that never blocks, so Jetty runs a pixel on the thread that read it, without
 * a hand-off to the pool (measured: 73k against 122k req/s with a blocking handler beside it). What
 * may wait on Redis, a query or a health check, goes to the server's thread pool. It calls the same
 * core code as PixelServlet and QueryServlet, so both answer alike.
 */
final class CounterHandler extends Handler.Abstract.NonBlocking {

    static final String PIXEL_PREFIX = "/p/";
    static final String QUERY_PREFIX = "/p-query/";
    static final String HEALTH_PATH = "/healthcheck";
    static final String ROBOTS_PATH = "/robots.txt";
    private static final ByteBuffer ROBOTS = ByteBuffer.wrap(
            "User-agent: *\nDisallow: /\n".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
    private static final PreEncodedHttpField TEXT = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    static final String REPORT_PREFIX = "/report/";
    /** The report page: one file of HTML, CSS and script, no build step, nothing from elsewhere. */
    private static final byte[] REPORT_PAGE = reportPage();
    private static final String REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; form-action 'none'; base-uri 'none'";

    private static final String X_REAL_IP = "X-Real-IP";
    private static final String PEER_ADDRESS = CounterHandler.class.getName() + ".peerAddress";
    private static final PreEncodedHttpField GIF_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, Pixel.CONTENT_TYPE);
    private static final PreEncodedHttpField GIF_LENGTH = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, Pixel.length());
    private static final PreEncodedHttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, Pixel.CACHE_CONTROL);
    private static final PreEncodedHttpField PRAGMA = new PreEncodedHttpField(HttpHeader.PRAGMA, "no-cache");
    private static final PreEncodedHttpField RETRY_AFTER = new PreEncodedHttpField(HttpHeader.RETRY_AFTER, "1");
    private static final PreEncodedHttpField ALLOW = new PreEncodedHttpField(HttpHeader.ALLOW, "GET, HEAD");
    private static final PreEncodedHttpField QUERY_ALLOW = new PreEncodedHttpField(HttpHeader.ALLOW, "GET, OPTIONS");
    private static final PreEncodedHttpField NO_STORE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");
    private static final PreEncodedHttpField VARY = new PreEncodedHttpField(HttpHeader.VARY, "Accept, Authorization, X-Api-Key");

    private final CounterEngine engine;
    private final CounterQuery query;
    private final Executor blockingWork;

    /** @param blockingWork where queries and health checks run, since they may wait on the store */
    CounterHandler(CounterEngine engine, Executor blockingWork) {
        this.engine = engine;
        this.blockingWork = blockingWork;
        this.query = new CounterQuery(engine);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        HttpURI uri = request.getHttpURI();
        String path = uri.getPath();
        if (path.startsWith(PIXEL_PREFIX)) {
            pixel(request, response, callback, uri, path);
            return true;
        }
        if (path.startsWith(QUERY_PREFIX)) {
            offload(callback, () -> query(request, response, callback, uri, path));
            return true;
        }
        if (path.equals(HEALTH_PATH)) {
            offload(callback, () -> health(response, callback));
            return true;
        }
        if (path.equals(ROBOTS_PATH)) {
            response.getHeaders().put(TEXT);
            response.write(true, ROBOTS.slice(), callback);
            return true;
        }
        if (path.startsWith(REPORT_PREFIX)) {
            report(request, response, callback, path);
            return true;
        }
        return false;
    }

    private void offload(Callback callback, Runnable work) {
        try {
            blockingWork.execute(work);
        } catch (RejectedExecutionException e) {
            callback.failed(e);
        }
    }

    /** 200 {@code OK} when the store answers and the log writes, 503 and the reason otherwise. */
    private void health(Response response, Callback callback) {
        String problem = !engine.storeHealthy() ? "store: not answering"
                : !engine.logHealthy() ? "log: cannot write to LOG_DIR" : null;
        response.setStatus(problem == null ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(TEXT);
        response.getHeaders().put(NO_STORE);
        response.write(true, ByteBuffer.wrap((problem == null ? "OK" : problem).getBytes(StandardCharsets.UTF_8)), callback);
    }

    private void pixel(Request request, Response response, Callback callback, HttpURI uri, String path) {
        String method = request.getMethod();
        boolean head = HttpMethod.HEAD.is(method);
        if (!head && !HttpMethod.GET.is(method)) {
            refuseMethod(request, response, callback, ALLOW);
            return;
        }
        HttpFields.Mutable headers = response.getHeaders();
        // add, not put: a fresh response has none of them, so there is nothing to look for and replace.
        headers.add(GIF_TYPE);
        headers.add(GIF_LENGTH);
        headers.add(NO_CACHE);
        headers.add(PRAGMA);
        if (head) {
            // Link checkers and prefetchers are not readers: HEAD counts nothing.
            callback.succeeded();
            return;
        }
        long now = engine.now();
        PixelRequest pixel = PixelRequest.parse(path.substring(PIXEL_PREFIX.length() - 1), uri.getQuery(), engine.config(), now);
        int status = pixel.status();
        if (pixel.key() != null) {
            ClientHeaders client = new ClientHeaders(request.getHeaders());
            String xff = client.forwardedFor();
            String ip = engine.clientAddress(peerAddress(request), xff, client.realIp);
            Hit hit = new Hit(now, pixel.key(), pixel.inc(), status, method, uri.getPathQuery(),
                    ip, xff, Request.getServerName(request), uri.getScheme(), client.referer,
                    client.userAgent);
            CounterEngine.Outcome outcome = engine.record(hit);
            if (outcome == CounterEngine.Outcome.RATE_LIMITED) {
                status = HttpStatus.TOO_MANY_REQUESTS_429;
                headers.put(RETRY_AFTER);
            } else if (outcome != CounterEngine.Outcome.COUNTED && outcome != CounterEngine.Outcome.LOGGED_AS_BOT) {
                status = HttpStatus.SERVICE_UNAVAILABLE_503;
                headers.put(RETRY_AFTER);
            } else if (status == HttpStatus.FOUND_302) {
                headers.put(HttpHeader.LOCATION, pixel.redirect());
            }
        }
        response.setStatus(status);
        response.write(true, Pixel.buffer(), callback);
    }

    /**
     * The connection's remote address as text, formatted once per connection rather than once per
     * request: a keep-alive connection carries many pixels from the same peer.
     */
    private static String peerAddress(Request request) {
        ConnectionMetaData connection = request.getConnectionMetaData();
        Object cached = connection.getAttribute(PEER_ADDRESS);
        if (cached instanceof String address) {
            return address;
        }
        String address = Request.getRemoteAddr(request);
        connection.setAttribute(PEER_ADDRESS, address);
        return address;
    }

    /**
     * 405. Whatever body the client sends is read and dropped before the answer completes: over HTTP/2
     * Jetty turns a response that leaves request content unread into a 500. Reading is asynchronous,
     * and a client that dribbles a body runs into the idle timeout.
     */
    private static void refuseMethod(Request request, Response response, Callback callback, HttpField allow) {
        response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
        response.getHeaders().put(allow);
        // Not request.consumeAvailable(): with the body still in flight it reports the content as
        // unconsumed and Jetty answers 500 instead.
        Content.Source.consumeAll(request, callback);
    }

    /** The request headers a hit records, picked up in one pass over the fields. */
    private static final class ClientHeaders {
        String realIp;
        String referer;
        String userAgent;
        private String forwardedFor;
        private StringBuilder forwardedMore;

        ClientHeaders(HttpFields fields) {
            for (HttpField field : fields) {
                HttpHeader header = field.getHeader();
                if (header == HttpHeader.USER_AGENT) {
                    userAgent = userAgent == null ? field.getValue() : userAgent;
                } else if (header == HttpHeader.REFERER) {
                    referer = referer == null ? field.getValue() : referer;
                } else if (header == HttpHeader.X_FORWARDED_FOR) {
                    addForwardedFor(field.getValue());
                } else if (realIp == null && header == null && field.is(X_REAL_IP)) {
                    realIp = field.getValue();
                }
            }
        }

        private void addForwardedFor(String value) {
            if (forwardedFor == null) {
                forwardedFor = value;
            } else {
                if (forwardedMore == null) {
                    forwardedMore = new StringBuilder(forwardedFor);
                }
                forwardedMore.append(", ").append(value);
            }
        }

        /** Every X-Forwarded-For header joined with commas, as one header would be; null when there is none. */
        String forwardedFor() {
            return forwardedMore == null ? forwardedFor : forwardedMore.toString();
        }
    }

    private static byte[] reportPage() {
        try (java.io.InputStream in = CounterHandler.class.getResourceAsStream("report.html")) {
            if (in == null) {
                throw new IllegalStateException("report.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void report(Request request, Response response, Callback callback, String path) {
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            refuseMethod(request, response, callback, ALLOW);
            return;
        }
        String tenant = path.substring(REPORT_PREFIX.length());
        HttpFields.Mutable headers = response.getHeaders();
        if (!io.restycounter.core.CounterKey.isValidTenant(tenant)) {
            response.setStatus(HttpStatus.NOT_FOUND_404);
            headers.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.write(true, ByteBuffer.wrap("tenant: expected [a-z0-9]{1,32}".getBytes(StandardCharsets.UTF_8)),
                    callback);
            return;
        }
        headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        headers.put("Content-Security-Policy", REPORT_CSP);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.setStatus(HttpStatus.OK_200);
        response.write(true, HttpMethod.HEAD.is(request.getMethod()) ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(REPORT_PAGE), callback);
    }

    private void query(Request request, Response response, Callback callback, HttpURI uri, String path) {
        HttpFields fields = request.getHeaders();
        CounterQuery.Answer answer;
        if (HttpMethod.OPTIONS.is(request.getMethod())) {
            answer = query.preflight(fields.get(HttpHeader.ORIGIN));
        } else if (HttpMethod.GET.is(request.getMethod())) {
            answer = query.answer(new CounterQuery.Request(path.substring(QUERY_PREFIX.length() - 1), uri.getQuery(),
                    fields.get("X-Api-Key"), fields.get(HttpHeader.AUTHORIZATION), fields.get(HttpHeader.ACCEPT),
                    fields.get(HttpHeader.IF_NONE_MATCH), fields.get(HttpHeader.ORIGIN)));
        } else {
            refuseMethod(request, response, callback, QUERY_ALLOW);
            return;
        }
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(NO_STORE);
        headers.put(VARY);
        answer.headers().forEach(headers::put);
        if (answer.status() == HttpStatus.UNAUTHORIZED_401) {
            headers.put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        }
        response.setStatus(answer.status());
        if (answer.status() == HttpStatus.NO_CONTENT_204 || answer.status() == HttpStatus.NOT_MODIFIED_304) {
            callback.succeeded();
            return;
        }
        headers.put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.write(true, ByteBuffer.wrap(answer.body().getBytes(StandardCharsets.UTF_8)), callback);
    }
}
