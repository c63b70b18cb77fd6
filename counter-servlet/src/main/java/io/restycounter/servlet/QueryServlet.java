package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.http.CounterQuery;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Answers {@code GET {mapping}/{tenant}/{counter}} with the API key, mapped as {@code /p-query/*}:
 * {@code today+yesterday} as text, or JSON with {@code Accept: application/json} or {@code format=json};
 * daily series with {@code from}/{@code to}, or for several counters at {@code {mapping}/{tenant}?counter=a&counter=b}.
 */
public class QueryServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient CounterQuery query;

    @Override
    public void init() throws ServletException {
        CounterEngine engine = ServletEngines.lookup(getServletContext());
        query = new CounterQuery(engine);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        send(response, query.answer(new CounterQuery.Request(ServletEngines.rawPathInfo(request),
                request.getQueryString(), request.getHeader("X-Api-Key"), request.getHeader("Authorization"),
                request.getHeader("Accept"), request.getHeader("If-None-Match"), request.getHeader("Origin"))));
    }

    /** A CORS preflight: allowed origins come from CORS_ORIGINS. */
    @Override
    protected void doOptions(HttpServletRequest request, HttpServletResponse response) throws IOException {
        send(response, query.preflight(request.getHeader("Origin")));
    }

    private static void send(HttpServletResponse response, CounterQuery.Answer answer) throws IOException {
        response.setStatus(answer.status());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Vary", "Accept, Authorization, X-Api-Key");
        answer.headers().forEach(response::setHeader);
        if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        if (answer.status() == HttpServletResponse.SC_NO_CONTENT
                || answer.status() == HttpServletResponse.SC_NOT_MODIFIED) {
            return;
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        response.setContentType(answer.contentType());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
