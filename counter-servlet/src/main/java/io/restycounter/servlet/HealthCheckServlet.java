package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /healthcheck}: 200 {@code OK} when the store answers and the log writes, 503 and the reason otherwise. */
public class HealthCheckServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient CounterEngine engine;

    @Override
    public void init() throws ServletException {
        engine = ServletEngines.lookup(getServletContext());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String problem = !engine.storeHealthy() ? "store: not answering"
                : !engine.logHealthy() ? "log: cannot write to LOG_DIR" : null;
        byte[] body = (problem == null ? "OK" : problem).getBytes(StandardCharsets.UTF_8);
        response.setStatus(problem == null ? 200 : 503);
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
