package io.restycounter.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Pebble, the ACME test server, with pebble-challtestsrv as its DNS (every name is 127.0.0.1), on free
 * ports. Its HTTPS certificate is made here, by a CA of our own; HTTP-01 validation connects to
 * {@code appHttpPort}, so the app must listen there.
 */
final class Pebble implements AutoCloseable {

    static final String MISSING = "pebble is not installed: run bin/test, which installs Debian's pebble package";

    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Path dir;
    private int acmePort;
    private int managementPort;
    private int challtestManagementPort;
    private SSLContext tls;

    private Pebble(Path dir) {
        this.dir = dir;
    }

    /** Fails the test with one line telling to run bin/test when Pebble is missing. */
    static Pebble start(Path dir, int appHttpPort) throws Exception {
        if (!onPath("pebble") || !onPath("pebble-challtestsrv")) {
            throw new AssertionError(MISSING);
        }
        Pebble p = new Pebble(dir);
        try {
            p.launch(appHttpPort);
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void launch(int appHttpPort) throws Exception {
        int dnsPort = freePort();
        challtestManagementPort = freePort();
        spawn("challtestsrv", Map.of(), "pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", "127.0.0.1:" + challtestManagementPort);

        X509Certificate ca = TestCertificates.writeCaAndServer(dir);
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);

        acmePort = freePort();
        managementPort = freePort();
        String config = """
                {"pebble": {
                  "listenAddress": "127.0.0.1:%d",
                  "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s",
                  "privateKey": "%s",
                  "httpPort": %d,
                  "tlsPort": %d,
                  "ocspResponderURL": "",
                  "externalAccountBindingRequired": false,
                  "retryAfter": {"authz": 1, "order": 1}
                }}
                """.formatted(acmePort, managementPort, dir.resolve("cert.pem"), dir.resolve("key.pem"),
                appHttpPort, freePort());
        Files.writeString(dir.resolve("pebble-config.json"), config);
        spawn("pebble", Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0", "PEBBLE_AUTHZREUSE", "0"),
                "pebble", "-config", dir.resolve("pebble-config.json").toString(),
                "-dnsserver", "127.0.0.1:" + dnsPort);
        awaitPort(challtestManagementPort);
        awaitPort(acmePort);
        awaitPort(managementPort);
    }

    String directory() {
        return "https://127.0.0.1:" + acmePort + "/dir";
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** Pebble's root certificate, from its management interface. */
    X509Certificate root() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new AssertionError("pebble /roots/0 answered " + r.statusCode());
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(r.body()));
    }

    /** Makes the test DNS answer {@code address} for {@code host}, e.g. to make validation fail. */
    void resolve(String host, String address) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + challtestManagementPort + "/add-a"))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"host\":\"" + host + ".\",\"addresses\":[\"" + address + "\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("challtestsrv /add-a answered " + r.statusCode() + " " + r.body());
        }
    }

    /** What Pebble and challtestsrv printed, for failure messages. */
    String output() {
        StringBuilder b = new StringBuilder();
        for (Path log : logs) {
            try {
                b.append("--- ").append(log.getFileName()).append('\n').append(Files.readString(log));
            } catch (IOException e) {
                b.append(e);
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void spawn(String name, Map<String, String> env, String... command) throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        b.environment().putAll(env);
        processes.add(b.start());
        logs.add(log);
    }

    private void awaitPort(int port) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new AssertionError("pebble exited early:\n" + output());
                }
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("pebble did not listen on port " + port + ":\n" + output());
    }

    static int freePort() throws IOException {
        return io.restycounter.core.RedisServer.freePort();
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
