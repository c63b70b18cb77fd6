package io.restycounter.app.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /.well-known/acme-challenge/{token}}: the HTTP-01 answer while its order is pending, else 404. */
public final class AcmeChallengeHandler extends Handler.Abstract.NonBlocking {

    static final String PREFIX = "/.well-known/acme-challenge/";

    private final CertificateManager certificates;

    public AcmeChallengeHandler(CertificateManager certificates) {
        this.certificates = certificates;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        String token = path.substring(PREFIX.length());
        String answer = isToken(token) ? certificates.challengeAnswer(token) : null;
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (answer == null) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.write(true, ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)), callback);
        return true;
    }

    /** ACME tokens are base64url: 1 to 256 of [A-Za-z0-9_-]. */
    private static boolean isToken(String s) {
        if (s.isEmpty() || s.length() > 256) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
