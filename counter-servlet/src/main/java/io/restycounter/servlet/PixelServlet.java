package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.http.PixelAnswer;
import io.restycounter.core.http.PixelRequest;
import io.restycounter.core.http.PixelTally;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Serves the counting pixel: {@code GET {mapping}/{tenant}/{counter}[?v=N][&redir=URL]}, mapped as
 * {@code /p/*}. Every answer carries the transparent GIF, so a broken request never shows a broken
 * image; only 200 and 302 count. HEAD gets the GIF's headers and counts nothing; other methods 405.
 * The answers are {@link PixelAnswer}'s, the same as the Jetty app's.
 */
public class PixelServlet extends EngineServlet {

    private static final long serialVersionUID = 1L;

    private transient PixelTally tally;

    @Override
    public void init() throws ServletException {
        super.init();
        tally = ServletEngines.tally(getServletContext());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PixelAnswer refused = PixelAnswer.withoutCounting(request.getMethod());
        if (refused != null) {
            tally.add(refused);
            ServletEngines.send(request, response, refused.answer());
            return;
        }
        PixelRequest pixel = PixelRequest.parse(ServletEngines.rawPathInfo(request), request.getQueryString(),
                engine, engine.now());
        CounterEngine.Outcome outcome = pixel.key() == null ? null
                : engine.record(ServletEngines.hit(engine, request, pixel.key(), pixel.inc(), pixel.status()),
                        ServletEngines.signals(request));
        PixelAnswer answer = PixelAnswer.of(pixel, outcome);
        tally.add(answer);
        ServletEngines.send(request, response, answer.answer(pixel));
    }
}
