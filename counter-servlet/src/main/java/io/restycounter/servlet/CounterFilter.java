package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the host webapp's own pages, without a pixel. After the page is served, a {@code GET}
 * answered 2xx or 3xx adds one to a counter of the configured tenant and is logged like a pixel hit.
 * Static assets, other methods, error answers and the counter's own servlets are never counted, and
 * a failing store or log never slows or breaks the page.
 *
 * <p>Init-params:
 * <ul>
 * <li>{@code tenant} (required): {@code [a-z0-9]{1,32}}</li>
 * <li>{@code counter}: one counter for every page; or {@code counter-from=path} (the default): the
 *     path inside the webapp, {@code /} turned into {@code .}, other characters outside
 *     {@code [A-Za-z0-9._~-]} into {@code _}, cut to 128 characters; {@code /} and {@code /docs/}
 *     count as {@code index} and {@code docs.index}</li>
 * <li>{@code include} / {@code exclude}: comma-separated patterns as in a servlet mapping
 *     ({@code /docs/*}, {@code *.html}, {@code /about}); include defaults to {@code /*}</li>
 * <li>{@code asset-extensions}: extensions never counted, replacing the default list (css, js,
 *     images, fonts, source maps, media); {@code none} counts them too</li>
 * </ul>
 * The engine comes from the ServletContext attribute {@link CounterEngine#CONTEXT_ATTRIBUTE}.
 */
public class CounterFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CounterFilter.class);
    private static final long LOG_EVERY_MILLIS = 60_000;
    private static final Set<String> OWN_SERVLETS = Set.of(PixelServlet.class.getName(),
            QueryServlet.class.getName(), HealthCheckServlet.class.getName());

    private transient CounterEngine engine;
    private transient PageRules rules;
    private transient Clock clock;
    private final transient Map<String, Boolean> ownServletNames = new ConcurrentHashMap<>();
    private final transient LongAdder failures = new LongAdder();
    private final transient AtomicLong nextLogAt = new AtomicLong(Long.MIN_VALUE);

    @Override
    public void init(FilterConfig config) throws ServletException {
        super.init(config);
        try {
            rules = PageRules.parse(config::getInitParameter);
        } catch (IllegalArgumentException e) {
            throw new ServletException("CounterFilter " + config.getFilterName() + ": " + e.getMessage(), e);
        }
        engine = ServletEngines.lookup(config.getServletContext());
        clock = engine.clock();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(request, response);
        if (!"GET".equals(request.getMethod())) {
            return;
        }
        if (request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    count(request, response);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
        } else {
            count(request, response);
        }
    }

    /** Hits that could not be recorded because the engine threw, since start. */
    public long failedHits() {
        return failures.sum();
    }

    private void count(HttpServletRequest request, HttpServletResponse response) {
        try {
            int status = response.getStatus();
            if (status < 200 || status >= 400 || servedByCounter(request)) {
                return;
            }
            String counter = rules.counterFor(pathInContext(request));
            if (counter == null) {
                return;
            }
            engine.record(ServletEngines.hit(engine, request, new CounterKey(rules.tenant(), counter), 1, status),
                    ServletEngines.signals(request));
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void failed(Throwable t) {
        failures.increment();
        long now = clock.millis();
        long next = nextLogAt.get();
        if (now >= next && nextLogAt.compareAndSet(next, now + LOG_EVERY_MILLIS)) {
            LOG.warn("CounterFilter: a page hit was not counted ({} failures since start; next warning in {} s at most)",
                    failures.sum(), LOG_EVERY_MILLIS / 1000, t);
        }
    }

    /** Whether PixelServlet, QueryServlet or HealthCheckServlet answered: they count (or not) themselves. */
    private boolean servedByCounter(HttpServletRequest request) {
        HttpServletMapping mapping = request.getHttpServletMapping();
        String name = mapping == null ? null : mapping.getServletName();
        if (name == null) {
            return false;
        }
        return ownServletNames.computeIfAbsent(name, n -> {
            ServletContext context = getServletContext();
            try {
                ServletRegistration registration = context.getServletRegistration(n);
                return registration != null && OWN_SERVLETS.contains(registration.getClassName());
            } catch (RuntimeException e) {
                // A container that will not say: count by path alone; exclude the pixel's mapping if needed.
                return false;
            }
        });
    }

    /**
     * The decoded path inside the webapp as the client asked for it: from the request URI rather than
     * the servlet path, which some containers rewrite to the welcome file.
     */
    static String pathInContext(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String raw = uri.startsWith(context) ? uri.substring(context.length()) : uri;
        return decodePath(raw);
    }

    static String decodePath(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (String segment : raw.split("/", -1)) {
            int params = segment.indexOf(';');
            b.append(params >= 0 ? segment.substring(0, params) : segment).append('/');
        }
        b.setLength(b.length() - 1);
        String path = b.toString();
        if (path.indexOf('%') >= 0) {
            try {
                path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // A malformed escape: the container served it, so count it as written.
            }
        }
        return path.isEmpty() ? "/" : path;
    }
}
