package io.restycounter.app;

import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The real app, started in-process on a free port, and a real HTTP client to talk to it. */
final class TestServer implements AutoCloseable {

    static final String API_KEY = "it-api-key-0123456789";
    /** The NODE_ID a test server runs with unless told otherwise: its log files are {@code yyyy-MM-dd-it1-access.log}. */
    static final String NODE_ID = "it1";

    /** The log file of {@code day} that an app started by a test writes in {@code logDir}. */
    static Path logFile(Path logDir, Object day) {
        return logDir.resolve(day + "-" + NODE_ID + "-access.log");
    }
    /** The JDK's client, which asks to upgrade to HTTP/2 cleartext (h2c), as some proxies and tools do. */
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final CounterServer server;

    private TestServer(CounterServer server) {
        this.server = server;
    }

    static TestServer start(Path logDir, Clock clock, String... settings) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("HTTP_PORT", "0", "BIND_ADDRESS", "127.0.0.1",
                "LOG_DIR", logDir.toString(), "API_KEY", API_KEY, "NODE_ID", NODE_ID,
                "ARCHIVE_DIR", logDir.resolveSibling(logDir.getFileName() + "-archive").toString()));
        for (int i = 0; i < settings.length; i += 2) {
            m.put(settings[i], settings[i + 1]);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Running running = Main.start(Settings.of(m), clock, new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        if (running == null) {
            throw new IllegalStateException(err.toString(StandardCharsets.UTF_8));
        }
        return new TestServer(running.server());
    }

    CounterServer server() {
        return server;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    HttpResponse<byte[]> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    String query(String tenantAndCounter) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get("/p-query/" + tenantAndCounter, "X-Api-Key", API_KEY);
        if (r.statusCode() != 200) {
            throw new AssertionError("query " + tenantAndCounter + " answered " + r.statusCode());
        }
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** Sends bytes as they are, for requests an HTTP client library would refuse to build. */
    String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
