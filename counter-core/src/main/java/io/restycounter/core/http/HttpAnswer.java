package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One complete answer of a front door, without a transport: the status, every header it sets
 * ({@code Content-Type} and {@code Content-Length} included) and the body. The servlets and the Jetty
 * handler copy it onto their response as it is, so both answer every request alike; only the date
 * and what the transport adds on its own differ.
 *
 * <p>Pixel answers are the constants of {@link PixelAnswer}; query answers come from
 * {@link CounterQuery#respond}; {@link #health} answers {@code /healthcheck}.
 */
public final class HttpAnswer {

    /** One response header. */
    public record Header(String name, String value) {
    }

    /** A body written as it is produced, for answers too big to hold: a CSV export. */
    @FunctionalInterface
    public interface BodyWriter {
        /** Writes the whole body; a failure part way aborts the response, which the client sees as cut short. */
        void writeTo(OutputStream out) throws IOException;
    }

    static final String GET = "GET";
    static final String HEAD = "HEAD";
    static final String OPTIONS = "OPTIONS";
    static final String CONTENT_TYPE = "Content-Type";
    static final String CONTENT_LENGTH = "Content-Length";
    static final String TEXT = "text/plain; charset=utf-8";

    private static final byte[] NO_BODY = new byte[0];
    private static final HttpAnswer HEALTH_METHOD_NOT_ALLOWED = methodNotAllowed("GET, HEAD");

    private final int status;
    private final List<Header> headers;
    private final byte[] body;
    /** The body for writers that take buffers; direct for the GIF. */
    private final ByteBuffer buffer;
    /** A streamed body, written by {@link #writeBodyTo} instead of {@link #body}; null for the others. */
    private final BodyWriter stream;

    private HttpAnswer(int status, List<Header> headers, byte[] body, ByteBuffer buffer) {
        this(status, headers, body, buffer, null);
    }

    private HttpAnswer(int status, List<Header> headers, byte[] body, ByteBuffer buffer, BodyWriter stream) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.buffer = buffer.asReadOnlyBuffer();
        this.stream = stream;
    }

    public int status() {
        return status;
    }

    /** The headers in the order they are set; each name once. */
    public List<Header> headers() {
        return headers;
    }

    /** The value of the header {@code name} (any case), or null. */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The length of a body held in memory; 0 for a {@linkplain #streamed() streamed} one, whose length is unknown. */
    public int bodyLength() {
        return body.length;
    }

    /**
     * Whether the body is written as it is produced, with no {@code Content-Length}: a front door sends
     * it with {@link #writeBodyTo}, on a thread that may block, and must call that exactly once.
     */
    public boolean streamed() {
        return stream != null;
    }

    /** A read-only view of the body, positioned at its start. */
    public ByteBuffer body() {
        return buffer.duplicate();
    }

    public void writeBodyTo(OutputStream out) throws IOException {
        if (stream != null) {
            stream.writeTo(out);
        } else {
            out.write(body);
        }
    }

    /** The body decoded as UTF-8, for text answers and tests. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return status + " " + headers + " (" + body.length + " bytes)";
    }

    /** This answer with one more header, or with {@code name} replaced where it is already set. */
    HttpAnswer with(String name, String value) {
        List<Header> more = new ArrayList<>(headers.size() + 1);
        boolean replaced = false;
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                more.add(new Header(name, value));
                replaced = true;
            } else {
                more.add(h);
            }
        }
        if (!replaced) {
            more.add(new Header(name, value));
        }
        return new HttpAnswer(status, more, body, buffer, stream);
    }

    /** The answer to a HEAD: the same headers, Content-Length included, and no body. */
    HttpAnswer withoutBody() {
        return new HttpAnswer(status, headers, NO_BODY, ByteBuffer.wrap(NO_BODY));
    }

    /** The GIF with the pixel's headers, as the README lists them for every pixel answer. */
    static HttpAnswer gif(int status) {
        return new HttpAnswer(status, List.of(new Header(CONTENT_TYPE, Pixel.CONTENT_TYPE),
                new Header(CONTENT_LENGTH, Integer.toString(Pixel.length())),
                new Header("Cache-Control", Pixel.CACHE_CONTROL), new Header("Pragma", "no-cache")),
                Pixel.gif(), Pixel.buffer());
    }

    /**
     * A text answer: {@code headers} first, then the content headers. 204 and 304 carry neither a
     * body nor content headers.
     */
    static HttpAnswer text(int status, Map<String, String> headers, String contentType, String text) {
        List<Header> all = new ArrayList<>(headers.size() + 2);
        headers.forEach((name, value) -> all.add(new Header(name, value)));
        if (status == 204 || status == 304) {
            return new HttpAnswer(status, all, NO_BODY, ByteBuffer.wrap(NO_BODY));
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // Servlet containers rewrite "text/plain; charset=utf-8" without the space when it is set, a
        // Jetty core handler sends it as given: the form both send is the one without.
        all.add(new Header(CONTENT_TYPE, contentType.replace("; charset=", ";charset=")));
        all.add(new Header(CONTENT_LENGTH, Integer.toString(bytes.length)));
        return new HttpAnswer(status, all, bytes, ByteBuffer.wrap(bytes));
    }

    /** A streamed answer: {@code headers}, then the Content-Type; no Content-Length. */
    static HttpAnswer streamed(int status, Map<String, String> headers, String contentType, BodyWriter body) {
        List<Header> all = new ArrayList<>(headers.size() + 1);
        headers.forEach((name, value) -> all.add(new Header(name, value)));
        all.add(new Header(CONTENT_TYPE, contentType.replace("; charset=", ";charset=")));
        return new HttpAnswer(status, all, NO_BODY, ByteBuffer.wrap(NO_BODY), body);
    }

    /** 405 for a method the path does not serve: {@code allow} lists those it does; no body. */
    static HttpAnswer methodNotAllowed(String allow) {
        return new HttpAnswer(405, List.of(new Header("Allow", allow), new Header(CONTENT_LENGTH, "0")),
                NO_BODY, ByteBuffer.wrap(NO_BODY));
    }

    /**
     * {@code /healthcheck}: 200 {@code OK} when the store answers and the log writes, 503 and the
     * reason otherwise; HEAD the same without the body; other methods 405.
     */
    public static HttpAnswer health(String method, CounterEngine engine) {
        boolean head = HEAD.equals(method);
        if (!head && !GET.equals(method)) {
            return HEALTH_METHOD_NOT_ALLOWED;
        }
        String problem = !engine.storeHealthy() ? "store: not answering"
                : !engine.logHealthy() ? "log: cannot write to LOG_DIR" : null;
        HttpAnswer answer = text(problem == null ? 200 : 503, Map.of("Cache-Control", "no-store"), TEXT,
                problem == null ? "OK" : problem);
        return head ? answer.withoutBody() : answer;
    }
}
