package io.restycounter.s3;

import java.net.URI;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * A real S3 protocol server in this JVM: S3Proxy over HTTP on 127.0.0.1, keeping objects in memory,
 * with AWS v4 authentication. {@link #stop()} then {@link #start()} again keeps the port.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "counter-access";
    public static final String SECRET_KEY = "counter-secret";

    private S3Proxy proxy;
    private int port;

    /** Starts on a free port. */
    public S3ProxyServer() throws Exception {
        start(0);
    }

    /** Starts again on the port it had. */
    public void start() throws Exception {
        start(port);
    }

    private void start(int onPort) throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:" + onPort))
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        port = proxy.getPort();
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public void stop() throws Exception {
        proxy.stop();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
