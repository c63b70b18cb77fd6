package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus server (Debian's package) scrapes the admin port and answers a counter's value. */
class PrometheusScrapeIT {

    private static final String QUERY = "counter_pixels_total{answer=\"counted\"}";
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.e+]+,\"([^\"]+)\"\\]");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    static Path prometheus() {
        for (String p : new String[] {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return fail("prometheus not found: apt-get install prometheus (bin/test installs it when missing)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void prometheusScrapesThePixelsCountedAndAnswersThemThroughItsApi() throws Exception {
        Path binary = prometheus();
        try (TestServer app = TestServer.start(dir.resolve("logs"), Clock.systemUTC(), "ADMIN_PORT", "0")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, app.get("/p/acme/home").statusCode());
            }
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: counter
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(app.server().adminPort()));
            int port = freePort();
            Process prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.out").toFile()).start();
            try {
                assertEquals("3", awaitValue(port, prometheus));
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /** Polls Prometheus's query API until the series has a value, within {@link #DEADLINE}. */
    private String awaitValue(int port, Process prometheus) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(QUERY, StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("prometheus exited: " + Files.readString(dir.resolve("prometheus.out")));
            }
            try {
                HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                Matcher m = VALUE.matcher(r.body());
                if (r.statusCode() == 200 && m.find()) {
                    return m.group(1);
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        return fail("no value for " + QUERY + " within " + DEADLINE.toSeconds() + " s; last answer: " + last);
    }
}
