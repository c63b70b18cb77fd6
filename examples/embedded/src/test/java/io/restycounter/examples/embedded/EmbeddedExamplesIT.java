package io.restycounter.examples.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both embedding examples, started on a free port and spoken to over real HTTP. */
class EmbeddedExamplesIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path logDir;

    private CounterEngine engine() {
        return CounterEngine.start(CounterConfig.builder().logDir(logDir).apiKey(EmbedInJetty.API_KEY).build(),
                Clock.systemUTC());
    }

    private static String get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + (r.statusCode() == 200 && path.startsWith("/p/") ? "gif" : r.body());
    }

    private static void exercise(int port, CounterEngine engine) throws Exception {
        assertEquals(200, Integer.parseInt(get(port, "/").substring(0, 3)));
        assertEquals(200, Integer.parseInt(get(port, "/about").substring(0, 3)));
        assertEquals(200, Integer.parseInt(get(port, "/about").substring(0, 3)));
        assertEquals(404, Integer.parseInt(get(port, "/nope").substring(0, 3)));
        assertEquals("200 gif", get(port, "/p/acme/signup"));
        assertEquals("200 OK", get(port, "/healthcheck"));
        assertEquals("200 1+0", get(port, "/p-query/acme/signup", "X-Api-Key", EmbedInJetty.API_KEY));
        assertEquals("200 2+0", get(port, "/p-query/site/about", "X-Api-Key", EmbedInJetty.API_KEY));

        LocalDate today = engine.today();
        assertEquals(1, engine.counts(new CounterKey("site", "index"), today, today).get(today));
        assertEquals(0, engine.counts(new CounterKey("site", "nope"), today, today).get(today));
        assertEquals(0, engine.counts(new CounterKey("site", "p.acme.signup"), today, today).get(today));
    }

    @Test
    void jetty() throws Exception {
        CounterEngine engine = engine();
        Server server = EmbedInJetty.start(0, engine);
        try {
            exercise(((NetworkConnector) server.getConnectors()[0]).getLocalPort(), engine);
        } finally {
            EmbedInJetty.stop(server, engine);
        }
    }

    @Test
    void tomcat() throws Exception {
        CounterEngine engine = engine();
        Tomcat tomcat = EmbedInTomcat.start(0, engine);
        try {
            exercise(tomcat.getConnector().getLocalPort(), engine);
        } finally {
            EmbedInTomcat.stop(tomcat, engine);
        }
    }
}
