package io.restycounter.app;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Keeps crawlers off the pixels: every crawled pixel would be a counted hit. */
final class RobotsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final byte[] BODY = "User-agent: *\nDisallow: /\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(BODY.length);
        response.getOutputStream().write(BODY);
    }
}
