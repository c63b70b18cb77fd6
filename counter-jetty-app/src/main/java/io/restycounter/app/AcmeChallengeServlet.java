package io.restycounter.app;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /.well-known/acme-challenge/{token}}: the HTTP-01 answer while its order is pending, else 404. */
final class AcmeChallengeServlet extends HttpServlet {

    static final String PATH = "/.well-known/acme-challenge/*";
    private static final long serialVersionUID = 1L;

    private final transient CertificateManager certificates;

    AcmeChallengeServlet(CertificateManager certificates) {
        this.certificates = certificates;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo();
        String token = path == null ? "" : path.substring(1);
        String answer = token.matches("[A-Za-z0-9_-]{1,256}") ? certificates.challengeAnswer(token) : null;
        resp.setHeader("Cache-Control", "no-store");
        if (answer == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        byte[] body = answer.getBytes(StandardCharsets.US_ASCII);
        resp.setContentType("application/octet-stream");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
