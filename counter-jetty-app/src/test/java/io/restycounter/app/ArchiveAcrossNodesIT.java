package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.RedisCluster;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.s3.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Issue #21: three app processes, each with its own LOG_DIR and NODE_ID, one Redis (or Redis Cluster),
 * shipping to one S3. The archive of a day is the sum of every node's log, whichever node aggregates
 * first or last and however often; verify says incomplete (naming the node) while a node's file is held
 * back, and drift when Redis alone holds a count.
 *
 * <p>The day boundary is real: the nodes count day X with TIMEZONE set so that it is X there, and are
 * restarted with a zone exactly a day ahead, where X is yesterday (closed, still live in Redis) and new
 * hits go to X + 1.
 */
class ArchiveAcrossNodesIT {

    private static final List<String> NODES = List.of("n1", "n2", "n3");
    private static final Pattern LINE = Pattern.compile(
            "\"tenant\":\"([a-z0-9]+)\",\"counter\":\"([^\"]+)\",\"inc\":(\\d+),\"status\":(\\d+)");
    private static final Pattern TOTAL = Pattern.compile("\"total\":(\\d+)");

    @TempDir
    Path work;
    private AutoCloseable redis;
    private String redisUrl;
    private RedisLink link;
    private S3ProxyServer s3;
    private S3Client client;
    private final Map<String, AppProcess> running = new HashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        running.values().forEach(AppProcess::close);
        if (link != null) {
            link.close();
        }
        if (client != null) {
            client.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private void startBackends(String kind) throws Exception {
        if (kind.equals("cluster")) {
            RedisCluster cluster = RedisCluster.launch();
            redis = cluster;
            redisUrl = cluster.url();
        } else {
            RedisServer server = RedisServer.launch();
            redis = server;
            redisUrl = server.url();
        }
        link = RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redisUrl,
                "LOG_DIR", work.resolve("test-logs").toString(), "API_KEY", TestServer.API_KEY))));
        s3 = new S3ProxyServer();
        client = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build();
        client.createBucket(b -> b.bucket("hits"));
    }

    private Path logDir(String node) {
        return work.resolve(node).resolve("logs");
    }

    private Map<String, String> env(String node, String zone, String... more) {
        Map<String, String> env = new HashMap<>(Map.of("HTTP_PORT", "0", "API_KEY", TestServer.API_KEY,
                "LOG_DIR", logDir(node).toString(), "NODE_ID", node, "TIMEZONE", zone, "REDIS_URL", redisUrl,
                "RATE_LIMIT", "0", "AWS_PATH", "hits/raw", "S3_ENDPOINT", s3.endpoint(), "AWS_REGION", "us-east-1"));
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private int startServer(String node, Map<String, String> env) throws Exception {
        AppProcess app = AppProcess.start(Files.createDirectories(work.resolve(node)), env);
        running.put(node, app);
        return app.awaitPort();
    }

    private void stopServer(String node) throws InterruptedException {
        assertEquals(143, running.remove(node).terminate(30));
    }

    /** Runs one {@code bin/counter} command as the node would, and returns its exit code and output. */
    private Command command(String node, Map<String, String> env, String... args) throws Exception {
        try (AppProcess app = AppProcess.start(work.resolve(node), env, args)) {
            assertTrue(app.process().waitFor(60, TimeUnit.SECONDS), app.output());
            // The output reader may still be draining the last lines.
            Thread.sleep(100);
            return new Command(app.process().exitValue(), app.output());
        }
    }

    private record Command(int exit, String output) {
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Api-Key", TestServer.API_KEY).header("Accept", "application/json")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A fixed offset, in whole hours from -18 to -6, where it is now between 02:00 and 21:59 (far from
     * either midnight, so a run never crosses one); the same hour a day later is this offset + 24 h.
     */
    private static int offsetHours(Instant now) {
        int best = -6;
        for (int h = -18; h <= -6; h++) {
            int local = now.atOffset(ZoneOffset.ofHours(h)).getHour();
            int bestLocal = now.atOffset(ZoneOffset.ofHours(best)).getHour();
            if (Math.abs(local - 12) < Math.abs(bestLocal - 12)) {
                best = h;
            }
        }
        return best;
    }

    private static String zone(int hours) {
        return String.format("%+03d:00", hours);
    }

    /** Sums the counted hits of JSON log lines: tenant to counter to total, read without the app's reader. */
    private static void sum(String log, Map<String, Map<String, Long>> into) {
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.find() && (m.group(4).equals("200") || m.group(4).equals("302"))) {
                into.computeIfAbsent(m.group(1), t -> new TreeMap<>()).merge(m.group(2), Long.parseLong(m.group(3)), Long::sum);
            }
        }
    }

    private String s3Object(LocalDate day, String node) {
        String key = String.format("raw/year=%d/month=%02d/day=%02d/%s-%s-access.log", day.getYear(),
                day.getMonthValue(), day.getDayOfMonth(), day, node);
        try {
            return client.getObjectAsBytes(b -> b.bucket("hits").key(key)).asString(StandardCharsets.UTF_8);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private String awaitS3Object(LocalDate day, String node) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String object;
        while ((object = s3Object(day, node)) == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(object != null, "node " + node + " shipped its file of " + day + ":\n" + running.get(node).output());
        return object;
    }

    private Map<String, Long> archived(String tenant, LocalDate day) throws Exception {
        String month = "rca:{" + tenant + "}:" + DateTimeFormatter.ofPattern("yyyyMM").format(day);
        String suffix = String.format(":%02d", day.getDayOfMonth());
        Map<String, String> fields = link.call("HGETALL " + month, r -> r.hgetall(month));
        Map<String, Long> out = new TreeMap<>();
        fields.forEach((f, v) -> {
            if (f.endsWith(suffix)) {
                out.put(f.substring(0, f.length() - suffix.length()), Long.parseLong(v));
            }
        });
        return out;
    }

    private void assertArchiveIs(Map<String, Map<String, Long>> expected, LocalDate day, String when) throws Exception {
        for (Map.Entry<String, Map<String, Long>> t : expected.entrySet()) {
            assertEquals(t.getValue(), archived(t.getKey(), day), t.getKey() + " " + when);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "cluster"})
    void theArchiveOfADayIsTheSumOfEveryNodesLogWhicheverNodeAggregatesAndHowOften(String kind) throws Exception {
        startBackends(kind);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int offset = offsetHours(Instant.now());
        String before = zone(offset);
        String after = zone(offset + 24);
        LocalDate day = LocalDate.now(ZoneOffset.ofHours(offset));
        String where = "seed " + seed + ", day " + day + " (" + before + ", then " + after + ")";

        // Day X: hits spread over the three nodes.
        Map<String, Integer> ports = new HashMap<>();
        for (String node : NODES) {
            AppProcess app = AppProcess.start(Files.createDirectories(work.resolve(node)), env(node, before));
            running.put(node, app);
        }
        for (String node : NODES) {
            ports.put(node, running.get(node).awaitPort());
        }
        Map<String, Map<String, Long>> sent = new TreeMap<>();
        for (int i = 0; i < 240; i++) {
            String node = NODES.get(random.nextInt(NODES.size()));
            String tenant = "t" + random.nextInt(5);
            String counter = "c" + random.nextInt(4);
            int inc = 1 + random.nextInt(3);
            assertEquals(200, get(ports.get(node), "/p/" + tenant + "/" + counter + "?v=" + inc).statusCode());
            sent.computeIfAbsent(tenant, t -> new TreeMap<>()).merge(counter, (long) inc, Long::sum);
        }
        for (String node : NODES) {
            stopServer(node);
        }
        Path held = Files.createDirectories(work.resolve("held"));
        for (String node : NODES) {
            Path file = logDir(node).resolve(day + "-" + node + "-access.log");
            assertTrue(Files.exists(file), node + " logged its hits of " + day);
            // Past the shipper's quiet minute, as it would be a day later.
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        }
        Path heldFile = Files.move(logDir("n3").resolve(day + "-n3-access.log"), held.resolve(day + "-n3-access.log"));
        assertEquals(Set.of("n1", "n2", "n3"), link.call("SMEMBERS", r -> r.smembers("rc:nodes:" + day.toString().replace("-", ""))));

        // Day X + 1: every node restarts, in a shuffled order; each one's daily job writes its share of X
        // at start; n3's file is held back, so X stays incomplete.
        List<String> order = new ArrayList<>(NODES);
        Collections.shuffle(order, random);
        for (String node : order) {
            ports.put(node, startServer(node, env(node, after)));
            awaitOutput(node, "aggregated " + day);
            assertEquals(200, get(ports.get(node), "/p/t0/next").statusCode(), "the next day counts on " + node);
        }
        Map<String, Map<String, Long>> logs = new TreeMap<>();
        sum(awaitS3Object(day, "n1"), logs);
        sum(awaitS3Object(day, "n2"), logs);
        String n3Log = Files.readString(heldFile);
        sum(n3Log, logs);
        assertEquals(sent, logs, "the three logs hold every hit answered 200; " + where);

        String twice = order.get(0);
        Command agg = command("n1", env("n1", after), "aggregate", "--day", day.toString());
        assertEquals(0, agg.exit(), agg.output());
        assertTrue(agg.output().contains(day + ": incomplete, no share yet from node n3"), agg.output());
        Command incomplete = command("n2", env("n2", after), "verify", "--day", day.toString());
        assertEquals(Main.EXIT_INCOMPLETE, incomplete.exit(), incomplete.output());
        assertTrue(incomplete.output().contains("incomplete, no share yet from node n3"), incomplete.output());
        assertFalse(incomplete.output().contains("drift"), "an incomplete day is not drift: " + incomplete.output());
        assertFalse(complete(day), "X is not complete");

        // n3 comes back with its disk: its daily job at start writes the last share and completes X.
        stopServer("n3");
        Files.move(heldFile, logDir("n3").resolve(heldFile.getFileName()));
        ports.put("n3", startServer("n3", env("n3", after)));
        awaitOutput("n3", "reconciled " + day + ": ");
        assertTrue(complete(day), where);
        assertArchiveIs(logs, day, "once every node's share is in; " + where);
        assertEquals(n3Log, awaitS3Object(day, "n3"), "n3 ships its file once it is back");

        // Aggregating again, twice on one node, with n3's file copied into its LOG_DIR (the way an
        // operator completes a day for a node that died), changes nothing.
        Path copy = logDir(twice).resolve(heldFile.getFileName());
        if (!twice.equals("n3")) {
            Files.writeString(copy, n3Log);
        }
        for (int run = 0; run < 2; run++) {
            Command again = command(twice, env(twice, after), "aggregate", "--day", day.toString());
            assertEquals(0, again.exit(), again.output());
            assertTrue(again.output().contains(day + ": complete, shares of n1, n2, n3"), again.output());
            assertArchiveIs(logs, day, "after aggregate run " + run + " on " + twice + "; " + where);
        }

        Command ok = command("n2", env("n2", after), "verify", "--day", day.toString());
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().contains("no drift"), ok.output());

        // A count only Redis holds, of a tenant no log knows, is drift.
        String ghost = "rc:{ghost}:" + day.toString().replace("-", "");
        link.call("HINCRBY", r -> r.hincrby(ghost, "c0", 1));
        Command drift = command("n1", env("n1", after), "verify", "--day", day.toString());
        assertEquals(1, drift.exit(), drift.output());
        assertTrue(drift.output().contains("drift ghost/c0: archive 0, live 1 (+1)"), drift.output());
        link.call("DEL", r -> r.del(ghost));

        // Once the live keys of X are gone, range queries read the archive and answer the same totals.
        for (String tenant : logs.keySet()) {
            String key = "rc:{" + tenant + "}:" + day.toString().replace("-", "");
            link.call("DEL " + key, r -> r.del(key));
        }
        stopServer("n1");
        ports.put("n1", startServer("n1", env("n1", after, "REDIS_EXPIRE_DAYS", "0")));
        for (Map.Entry<String, Map<String, Long>> t : logs.entrySet()) {
            for (Map.Entry<String, Long> c : t.getValue().entrySet()) {
                HttpResponse<String> r = get(ports.get("n1"), "/p-query/" + t.getKey() + "/" + c.getKey()
                        + "?from=" + day + "&to=" + day);
                assertEquals(200, r.statusCode(), r.body());
                Matcher m = TOTAL.matcher(r.body());
                assertTrue(m.find(), r.body());
                assertEquals(c.getValue(), Long.parseLong(m.group(1)), t.getKey() + "/" + c.getKey() + ": " + r.body());
            }
        }
        HttpResponse<String> next = get(ports.get("n1"), "/p-query/t0/next?from=" + day.plusDays(1) + "&to=" + day.plusDays(1));
        Matcher m = TOTAL.matcher(next.body());
        assertTrue(m.find(), next.body());
        assertEquals(3, Long.parseLong(m.group(1)), "the hits after the boundary count on the next day: " + next.body());
    }

    private boolean complete(LocalDate day) throws Exception {
        Boolean member = link.call("SISMEMBER rca:days", r -> r.sismember("rca:days", day.toString()));
        return member;
    }

    /** Waits until the node's output holds {@code text}, printed before or after the listening line. */
    private void awaitOutput(String node, String text) throws InterruptedException {
        AppProcess app = running.get(node);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!app.output().contains(text)) {
            assertTrue(System.nanoTime() < deadline && app.process().isAlive(),
                    node + ": no line containing \"" + text + "\":\n" + app.output());
            Thread.sleep(100);
        }
    }
}
