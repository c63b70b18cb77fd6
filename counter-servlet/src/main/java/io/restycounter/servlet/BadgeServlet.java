package io.restycounter.servlet;

import io.restycounter.core.http.Badges;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Serves counting badges: {@code GET {mapping}/{tenant}/{counter}.svg[?show=today|range|total][&from=][&label=][&style=]},
 * mapped as {@code /b/*}. It counts like {@link PixelServlet} (same parse, limits, signing) and answers
 * an SVG with the count; the answers are {@link Badges}', the same as the Jetty app's.
 */
public class BadgeServlet extends EngineServlet {

    private static final long serialVersionUID = 1L;

    private transient Badges badges;

    @Override
    public void init() throws ServletException {
        super.init();
        badges = new Badges(engine);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletEngines.send(request, response, badges.respond(request.getMethod(), ServletEngines.rawPathInfo(request),
                request.getQueryString(), request.getHeader("If-None-Match"),
                pixel -> engine.record(ServletEngines.hit(engine, request, pixel.key(), pixel.inc(), pixel.status()),
                        ServletEngines.signals(request))));
    }
}
