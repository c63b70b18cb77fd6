package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian's chromium, headless: gives back the DOM a page's scripts left, or drives a page through DevTools. */
final class HeadlessChromium {

    private HeadlessChromium() {
    }

    static String executable() {
        for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new AssertionError("chromium not found: run bin/test (it installs Debian's chromium) or apt-get install chromium");
    }

    /** The DOM of {@code url} once its scripts ran, with a fresh profile under {@code dir} and {@code flags}. */
    static String dumpDom(Path dir, String url, String... flags) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(executable(), "--headless",
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        command.addAll(java.util.List.of(flags));
        command.add("--dump-dom");
        command.add(url);
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile()).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
        return new String(dom, StandardCharsets.UTF_8);
    }

    /**
     * Opens {@code url} in a headless Chromium driven through its DevTools protocol, with downloads saved
     * into {@code downloads}, evaluates {@code expression} (a promise is awaited) in the page, and returns
     * the result as a string.
     */
    static String evaluate(Path dir, String url, String expression, Path downloads) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("devtools-profile"));
        Process p = new ProcessBuilder(executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectError(dir.resolve("chromium-devtools.log").toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
                assertTrue(System.nanoTime() < deadline, "chromium wrote no DevToolsActivePort");
                Thread.sleep(50);
            }
            List<String> active = Files.readAllLines(portFile);
            try (DevTools browser = new DevTools("ws://127.0.0.1:" + active.get(0).trim() + active.get(1).trim())) {
                browser.call("Browser.setDownloadBehavior", null, g -> {
                    g.writeStringField("behavior", "allow");
                    g.writeStringField("downloadPath", downloads.toAbsolutePath().toString());
                });
                Matcher id = Pattern.compile("\"targetId\":\"([^\"]+)\"").matcher(
                        browser.call("Target.createTarget", null, g -> g.writeStringField("url", url)));
                assertTrue(id.find());
                String target = id.group(1);
                Matcher session = Pattern.compile("\"sessionId\":\"([^\"]+)\"").matcher(
                        browser.call("Target.attachToTarget", null, g -> {
                            g.writeStringField("targetId", target);
                            g.writeBooleanField("flatten", true);
                        }));
                assertTrue(session.find());
                String sid = session.group(1);
                while (!valueOf(browser.evaluate(sid, "location.protocol + document.readyState")).equals("http:complete")) {
                    assertTrue(System.nanoTime() < deadline, "the page did not load: " + url);
                    Thread.sleep(50);
                }
                String value = valueOf(browser.evaluate(sid, expression));
                // Leave Chromium the time to finish what it downloads before it is stopped.
                for (int i = 0; i < 100; i++) {
                    String[] files = downloads.toFile().list();
                    if (files != null && files.length > 0
                            && java.util.Arrays.stream(files).noneMatch(f -> f.endsWith(".crdownload"))) {
                        break;
                    }
                    Thread.sleep(100);
                }
                return value;
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The result's value in a Runtime.evaluate reply. */
    private static String valueOf(String reply) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(reply)) {
            while (parser.nextToken() != null) {
                if ("value".equals(parser.getCurrentName()) && parser.currentToken().isScalarValue()) {
                    return parser.getText();
                }
            }
        }
        throw new AssertionError("no value in " + reply);
    }

    private interface Params {
        void write(JsonGenerator g) throws IOException;
    }

    /** One DevTools connection: commands go out numbered, each call waits for its reply. */
    private static final class DevTools implements AutoCloseable {
        private final WebSocket ws;
        private final java.util.Map<Integer, CompletableFuture<String>> replies = new java.util.concurrent.ConcurrentHashMap<>();
        private int next;

        DevTools(String socket) throws Exception {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(socket),
                    new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                Matcher id = Pattern.compile("^\\{\"id\":(\\d+),").matcher(text);
                                if (id.find()) {
                                    CompletableFuture<String> r = replies.get(Integer.parseInt(id.group(1)));
                                    if (r != null) {
                                        r.complete(text.toString());
                                    }
                                }
                                text.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
        }

        String call(String method, String sessionId, Params params) throws Exception {
            int id = ++next;
            StringWriter command = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(command)) {
                g.writeStartObject();
                g.writeNumberField("id", id);
                if (sessionId != null) {
                    g.writeStringField("sessionId", sessionId);
                }
                g.writeStringField("method", method);
                g.writeObjectFieldStart("params");
                params.write(g);
                g.writeEndObject();
                g.writeEndObject();
            }
            CompletableFuture<String> reply = new CompletableFuture<>();
            replies.put(id, reply);
            ws.sendText(command.toString(), true).get(10, TimeUnit.SECONDS);
            return reply.get(30, TimeUnit.SECONDS);
        }

        String evaluate(String sessionId, String expression) throws Exception {
            return call("Runtime.evaluate", sessionId, g -> {
                g.writeStringField("expression", expression);
                g.writeBooleanField("awaitPromise", true);
                g.writeBooleanField("returnByValue", true);
                g.writeBooleanField("userGesture", true);
            });
        }

        @Override
        public void close() {
            ws.abort();
        }
    }
}
