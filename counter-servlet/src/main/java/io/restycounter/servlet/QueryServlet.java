package io.restycounter.servlet;

import io.restycounter.core.http.CounterQuery;
import io.restycounter.core.http.HistoryImportAnswer;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Answers {@code GET {mapping}/{tenant}/{counter}} with the API key, mapped as {@code /p-query/*}:
 * {@code today+yesterday} as text, or JSON with {@code Accept: application/json} or {@code format=json};
 * daily series with {@code from}/{@code to}, or for several counters at {@code {mapping}/{tenant}?counter=a&counter=b}.
 * {@code OPTIONS} is a CORS preflight (allowed origins come from CORS_ORIGINS); {@code POST {mapping}/{tenant}/import}
 * loads imported history from a {@code text/csv} body; other methods 405.
 */
public class QueryServlet extends EngineServlet {

    private static final long serialVersionUID = 1L;

    private transient CounterQuery query;

    @Override
    public void init() throws ServletException {
        super.init();
        query = new CounterQuery(engine);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HistoryImportAnswer.Body body = "POST".equals(request.getMethod()) ? new HistoryImportAnswer.Body(
                request.getContentType(), request.getContentLengthLong(), request.getInputStream()) : null;
        ServletEngines.send(request, response, query.respond(request.getMethod(), new CounterQuery.Request(
                ServletEngines.rawPathInfo(request), request.getQueryString(), request.getHeader("X-Api-Key"),
                request.getHeader("Authorization"), request.getHeader("Accept"), request.getHeader("If-None-Match"),
                request.getHeader("Origin"), engine.clientAddress(request.getRemoteAddr(),
                        ServletEngines.forwardedFor(request), request.getHeader("X-Real-IP"))), body));
    }
}
