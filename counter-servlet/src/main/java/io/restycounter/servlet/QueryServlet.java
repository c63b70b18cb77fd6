package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterQuery;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Answers {@code GET {mapping}/{tenant}/{counter}} with the API key, mapped as {@code /p-query/*}:
 * {@code today+yesterday} as text, or JSON with {@code Accept: application/json} or {@code format=json}.
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
        CounterQuery.Answer answer = query.answer(ServletEngines.rawPathInfo(request), request.getQueryString(),
                request.getHeader("X-Api-Key"), request.getHeader("Authorization"), request.getHeader("Accept"));
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(answer.status());
        response.setContentType(answer.contentType());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Vary", "Accept, Authorization, X-Api-Key");
        if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
