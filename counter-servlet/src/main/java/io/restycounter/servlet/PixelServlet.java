package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.Hit;
import io.restycounter.core.http.Pixel;
import io.restycounter.core.http.PixelRequest;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Serves the counting pixel: {@code GET {mapping}/{tenant}/{counter}[?v=N][&redir=URL]}, mapped as
 * {@code /p/*}. Every answer carries the transparent GIF, so a broken request never shows a broken
 * image; only 200 and 302 count.
 */
public class PixelServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient CounterEngine engine;

    @Override
    public void init() throws ServletException {
        engine = ServletEngines.lookup(getServletContext());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PixelRequest pixel = PixelRequest.parse(ServletEngines.rawPathInfo(request), request.getQueryString(), engine.config(), engine.now());
        int status = pixel.status();
        if (pixel.key() != null) {
            Hit hit = ServletEngines.hit(engine, request, pixel.key(), pixel.inc(), status);
            CounterEngine.Outcome outcome = engine.record(hit);
            if (outcome == CounterEngine.Outcome.RATE_LIMITED) {
                status = 429;
                response.setHeader("Retry-After", "1");
            } else if (outcome != CounterEngine.Outcome.COUNTED && outcome != CounterEngine.Outcome.LOGGED_AS_BOT) {
                status = HttpServletResponse.SC_SERVICE_UNAVAILABLE;
                response.setHeader("Retry-After", "1");
            }
        }
        if (status == HttpServletResponse.SC_FOUND) {
            response.setHeader("Location", pixel.redirect());
        }
        writeGif(response, status);
    }

    /** HEAD gets the pixel's headers and counts nothing: link checkers and prefetchers are not readers. */
    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(Pixel.CONTENT_TYPE);
        response.setContentLength(Pixel.length());
        response.setHeader("Cache-Control", Pixel.CACHE_CONTROL);
    }

    static void writeGif(HttpServletResponse response, int status) throws IOException {
        response.setStatus(status);
        response.setContentType(Pixel.CONTENT_TYPE);
        response.setContentLength(Pixel.length());
        response.setHeader("Cache-Control", Pixel.CACHE_CONTROL);
        response.setHeader("Pragma", "no-cache");
        Pixel.writeTo(response.getOutputStream());
    }
}
