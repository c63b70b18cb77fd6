package io.restycounter.servlet;

import io.restycounter.core.http.HttpAnswer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /healthcheck}: 200 {@code OK} when the store answers and the log writes, 503 and the reason otherwise. */
public class HealthCheckServlet extends EngineServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletEngines.send(request, response, HttpAnswer.health(request.getMethod(), engine));
    }
}
