package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/** What the servlets and the filter share: finding the engine, the raw path, and turning a request into a hit. */
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

    /** Every X-Forwarded-For header joined with commas, as one header would be; null when there is none. */
    private static String forwardedFor(HttpServletRequest request) {
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
