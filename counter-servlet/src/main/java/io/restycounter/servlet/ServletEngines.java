package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.http.PixelTally;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.HitSignals;
import io.restycounter.core.http.HttpAnswer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Enumeration;
import java.util.List;

/**
 * What the servlets and the filter share: finding the engine, the raw path, turning a request into a
 * hit, and copying an answer onto the response.
 */
final class ServletEngines {

    private ServletEngines() {
    }

    static CounterEngine lookup(ServletContext context) throws ServletException {
        Object engine = context.getAttribute(CounterEngine.CONTEXT_ATTRIBUTE);
        if (engine instanceof CounterEngine e) {
            return e;
        }
        throw new UnavailableException("no CounterEngine in the ServletContext attribute "
                + CounterEngine.CONTEXT_ATTRIBUTE + ": register CounterContextListener or put one there");
    }

    /** The webapp's {@link PixelTally}, put in its context attribute by the first servlet that asks. */
    static PixelTally tally(ServletContext context) {
        synchronized (ServletEngines.class) {
            if (context.getAttribute(PixelTally.CONTEXT_ATTRIBUTE) instanceof PixelTally t) {
                return t;
            }
            PixelTally t = new PixelTally();
            context.setAttribute(PixelTally.CONTEXT_ATTRIBUTE, t);
            return t;
        }
    }

    /**
     * The request path after this servlet's mapping, still percent-encoded, so that an encoded slash
     * or dot stays visible to validation instead of being decoded into the path.
     */
    static String rawPathInfo(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String prefix = request.getContextPath() + request.getServletPath();
        if (uri.startsWith(prefix)) {
            return uri.substring(prefix.length());
        }
        String info = request.getPathInfo();
        return info == null ? "" : info;
    }

    /** The hit a request makes, with the client address as the engine believes it. */
    static Hit hit(CounterEngine engine, HttpServletRequest request, CounterKey key, long inc, int status) {
        String xff = forwardedFor(request);
        String ip = engine.clientAddress(request.getRemoteAddr(), xff, request.getHeader("X-Real-IP"));
        String query = request.getQueryString();
        String uri = query == null ? request.getRequestURI() : request.getRequestURI() + '?' + query;
        return new Hit(engine.now(), key, inc, status, request.getMethod(), uri, ip, xff, request.getServerName(),
                request.getScheme(), request.getHeader("Referer"), request.getHeader("User-Agent"));
    }

    /** The privacy signals and prefetch headers of {@code request}, as {@link HitSignals} flags. */
    static int signals(HttpServletRequest request) {
        return HitSignals.of(request.getHeader(HitSignals.SEC_GPC), request.getHeader(HitSignals.DNT),
                request.getHeader(HitSignals.SEC_PURPOSE), request.getHeader(HitSignals.PURPOSE),
                request.getHeader(HitSignals.X_MOZ));
    }

    /**
     * Copies {@code answer} onto {@code response} as it is. Content-Type and Content-Length go through
     * their own setters, which every container understands. A 405 first reads and drops whatever body
     * the client sent, as the Jetty app does, so the connection stays open for the next request
     * instead of depending on whether the body had arrived when the answer completed.
     */
    static void send(HttpServletRequest request, HttpServletResponse response, HttpAnswer answer)
            throws IOException {
        if (answer.status() == HttpServletResponse.SC_METHOD_NOT_ALLOWED) {
            request.getInputStream().transferTo(OutputStream.nullOutputStream());
        }
        response.setStatus(answer.status());
        List<HttpAnswer.Header> headers = answer.headers();
        for (int i = 0; i < headers.size(); i++) {
            HttpAnswer.Header h = headers.get(i);
            if (h.name().equals("Content-Type")) {
                response.setContentType(h.value());
            } else if (h.name().equals("Content-Length")) {
                response.setContentLengthLong(Long.parseLong(h.value()));
            } else {
                response.setHeader(h.name(), h.value());
            }
        }
        if (answer.streamed() || answer.bodyLength() > 0) {
            answer.writeBodyTo(response.getOutputStream());
        }
    }

    /** Every X-Forwarded-For header joined with commas, as one header would be; null when there is none. */
    static String forwardedFor(HttpServletRequest request) {
        Enumeration<String> values = request.getHeaders("X-Forwarded-For");
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String first = values.nextElement();
        if (!values.hasMoreElements()) {
            return first;
        }
        StringBuilder all = new StringBuilder(first);
        while (values.hasMoreElements()) {
            all.append(", ").append(values.nextElement());
        }
        return all.toString();
    }
}
