package io.restycounter.app;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.Hit;
import io.restycounter.core.HitSignals;
import io.restycounter.core.http.Badges;
import io.restycounter.core.http.CounterQuery;
import io.restycounter.core.http.HistoryImportAnswer;
import io.restycounter.core.http.HttpAnswer;
import io.restycounter.core.http.PixelAnswer;
import io.restycounter.core.http.PixelRequest;
import io.restycounter.core.http.PixelTally;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * The app's front door: {@code /p/}, {@code /p-query/}, {@code /b/} (badges), {@code /healthcheck} and
 * {@code /robots.txt}.
 * A Jetty core handler that never blocks, so Jetty runs a pixel on the thread that read it, without
 * a hand-off to the pool (measured: 73k against 122k req/s with a blocking handler beside it). What
 * may wait on Redis, a query or a health check, goes to the server's thread pool. It sends the
 * answers of core's {@link HttpAnswer}, {@link PixelAnswer} and {@link CounterQuery}, as PixelServlet,
 * QueryServlet and HealthCheckServlet do, so both front doors answer alike.
 */
final class CounterHandler extends Handler.Abstract.NonBlocking {

    static final String PIXEL_PREFIX = "/p/";
    static final String QUERY_PREFIX = "/p-query/";
    static final String BADGE_PREFIX = "/b/";
    static final String HEALTH_PATH = "/healthcheck";
    static final String ROBOTS_PATH = "/robots.txt";
    /** How long a refused query (429) waits before its answer is sent. */
    static final long REFUSED_QUERY_DELAY_MS = 500;
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
    /** Each row of {@link PixelAnswer}'s headers, pre-encoded once, indexed by the row's ordinal. */
    private static final PreEncodedHttpField[][] PIXEL_FIELDS = pixelFields();

    private final CounterEngine engine;
    private final CounterQuery query;
    private final Badges badges;
    private final Executor blockingWork;
    private final PixelTally tally;

    /**
     * @param blockingWork where queries and health checks run, since they may wait on the store
     * @param tally        adds every pixel answer, for metrics
     */
    CounterHandler(CounterEngine engine, Executor blockingWork, PixelTally tally) {
        this.engine = engine;
        this.tally = tally;
        this.blockingWork = blockingWork;
        this.query = new CounterQuery(engine);
        this.badges = new Badges(engine);
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
        if (path.startsWith(BADGE_PREFIX)) {
            // A badge reads the count it shows from the store, so it may wait: off the selector thread.
            offload(callback, () -> send(request, response, callback, badges.respond(request.getMethod(),
                    path.substring(BADGE_PREFIX.length() - 1), uri.getQuery(),
                    request.getHeaders().get(HttpHeader.IF_NONE_MATCH),
                    pixel -> record(request, uri, pixel, engine.now()))));
            return true;
        }
        if (path.equals(HEALTH_PATH)) {
            offload(callback, () -> send(request, response, callback, HttpAnswer.health(request.getMethod(), engine)));
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

    private void pixel(Request request, Response response, Callback callback, HttpURI uri, String path) {
        String method = request.getMethod();
        PixelAnswer refused = PixelAnswer.withoutCounting(method);
        if (refused != null) {
            sendPixel(response, refused);
            if (refused == PixelAnswer.METHOD_NOT_ALLOWED) {
                consumeAndComplete(request, callback);
            } else {
                callback.succeeded();
            }
            return;
        }
        long now = engine.now();
        PixelRequest pixel = PixelRequest.parse(path.substring(PIXEL_PREFIX.length() - 1), uri.getQuery(), engine, now);
        CounterEngine.Outcome outcome = pixel.key() == null ? null : record(request, uri, pixel, now);
        PixelAnswer answer = PixelAnswer.of(pixel, outcome);
        sendPixel(response, answer);
        if (answer == PixelAnswer.REDIRECT) {
            response.getHeaders().put(HttpHeader.LOCATION, pixel.redirect());
        }
        response.write(true, answer.answer().body(), callback);
    }

    /** Records the hit of a pixel (or badge) that has a key, with the client as the engine believes it. */
    private CounterEngine.Outcome record(Request request, HttpURI uri, PixelRequest pixel, long now) {
        ClientHeaders client = new ClientHeaders(request.getHeaders());
        String xff = client.forwardedFor();
        String ip = engine.clientAddress(peerAddress(request), xff, client.realIp);
        return engine.record(new Hit(now, pixel.key(), pixel.inc(), pixel.status(), request.getMethod(),
                uri.getPathQuery(), ip, xff, Request.getServerName(request), uri.getScheme(), client.referer,
                client.userAgent), client.signals);
    }

    /** The row's status and its pre-encoded headers; the caller completes the response. */
    private void sendPixel(Response response, PixelAnswer answer) {
        tally.add(answer);
        response.setStatus(answer.status());
        HttpFields.Mutable headers = response.getHeaders();
        // add, not put: a fresh response has none of them, so there is nothing to look for and replace.
        for (PreEncodedHttpField field : PIXEL_FIELDS[answer.ordinal()]) {
            headers.add(field);
        }
    }

    private static PreEncodedHttpField[][] pixelFields() {
        PixelAnswer[] rows = PixelAnswer.values();
        PreEncodedHttpField[][] fields = new PreEncodedHttpField[rows.length][];
        for (PixelAnswer row : rows) {
            List<HttpAnswer.Header> headers = row.answer().headers();
            fields[row.ordinal()] = new PreEncodedHttpField[headers.size()];
            for (int i = 0; i < headers.size(); i++) {
                HttpAnswer.Header h = headers.get(i);
                HttpHeader known = HttpHeader.CACHE.get(h.name());
                fields[row.ordinal()][i] = known == HttpHeader.CONTENT_LENGTH
                        ? new PreEncodedHttpField(known, Long.parseLong(h.value()))
                        : new PreEncodedHttpField(known, h.name(), h.value());
            }
        }
        return fields;
    }

    /**
     * Copies {@code answer} onto the response as it is. A 405 reads whatever body the client sent
     * before it completes: see {@link #consumeAndComplete}.
     */
    private static void send(Request request, Response response, Callback callback, HttpAnswer answer) {
        response.setStatus(answer.status());
        HttpFields.Mutable headers = response.getHeaders();
        for (HttpAnswer.Header h : answer.headers()) {
            headers.put(h.name(), h.value());
        }
        if (answer.status() == HttpStatus.METHOD_NOT_ALLOWED_405) {
            consumeAndComplete(request, callback);
        } else if (answer.streamed()) {
            // Only answers sent from the blocking pool stream: the writes wait for the client to read.
            // Not try-with-resources: closing ends the body, and a body that failed part way must not
            // look complete; failing the callback aborts it instead.
            java.io.OutputStream out = Content.Sink.asOutputStream(response);
            try {
                answer.writeBodyTo(out);
                out.close();
            } catch (Throwable e) {
                callback.failed(e);
                return;
            }
            callback.succeeded();
        } else if (answer.bodyLength() == 0) {
            callback.succeeded();
        } else if (HttpMethod.POST.is(request.getMethod())) {
            // An import refused before its whole body was read (413, 401...): the rest is read and
            // dropped after the answer, as for a 405, or the client would wait to finish sending.
            response.write(true, answer.body(), Callback.from(() -> Content.Source.consumeAll(request, callback),
                    callback::failed));
        } else {
            response.write(true, answer.body(), callback);
        }
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
     * Completes a 405. Whatever body the client sends is read and dropped first: over HTTP/2 Jetty
     * turns a response that leaves request content unread into a 500. Reading is asynchronous, and a
     * client that dribbles a body runs into the idle timeout.
     */
    private static void consumeAndComplete(Request request, Callback callback) {
        // Not request.consumeAvailable(): with the body still in flight it reports the content as
        // unconsumed and Jetty answers 500 instead.
        Content.Source.consumeAll(request, callback);
    }

    /** The request headers a hit records, picked up in one pass over the fields. */
    private static final class ClientHeaders {
        String realIp;
        String referer;
        String userAgent;
        /** Privacy signals and prefetch, of {@link HitSignals}. */
        int signals;
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
                } else if (header == null) {
                    if (realIp == null && field.is(X_REAL_IP)) {
                        realIp = field.getValue();
                    } else {
                        signals |= HitSignals.of(field.getName(), field.getValue());
                    }
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
            send(request, response, callback, PixelAnswer.METHOD_NOT_ALLOWED.answer());
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
        // Only a POST has a body to read (the import); on this pool thread a blocking read is fine.
        HistoryImportAnswer.Body body = HttpMethod.POST.is(request.getMethod()) ? new HistoryImportAnswer.Body(
                fields.get(HttpHeader.CONTENT_TYPE), request.getLength(), Content.Source.asInputStream(request)) : null;
        HttpAnswer answer = query.respond(request.getMethod(), new CounterQuery.Request(
                path.substring(QUERY_PREFIX.length() - 1), uri.getQuery(), fields.get("X-Api-Key"),
                fields.get(HttpHeader.AUTHORIZATION), fields.get(HttpHeader.ACCEPT),
                fields.get(HttpHeader.IF_NONE_MATCH), fields.get(HttpHeader.ORIGIN),
                engine.clientAddress(peerAddress(request), new ClientHeaders(fields).forwardedFor(),
                        fields.get("X-Real-IP"))), body);
        if (answer.status() == HttpStatus.TOO_MANY_REQUESTS_429) {
            // A client past its query slots or wrong-key budget waits for its refusal, on a timer, not a
            // thread: a storm of queries then costs this node a few requests a second per connection
            // instead of thousands, and its pixels keep their cores.
            request.getComponents().getScheduler().schedule(() -> send(request, response, callback, answer),
                    REFUSED_QUERY_DELAY_MS, TimeUnit.MILLISECONDS);
        } else {
            send(request, response, callback, answer);
        }
    }
}
