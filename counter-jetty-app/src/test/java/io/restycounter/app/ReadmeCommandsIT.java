package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.restycounter.core.MmdbWriter;
import io.restycounter.core.RedisServer;
import io.restycounter.s3.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every {@code bin/counter} command the README prints, run as printed by bash from a directory laid out
 * like the clone ({@code bin/counter} beside the built jar), block by block, in the environment its
 * section describes: the embedded default, Redis for {@code verify}, an S3 protocol server for
 * {@code sync-logs}, a MaxMind-protocol server for {@code update-geoip}. Each must exit 0 with no stack
 * trace. A command added to the README is run here without a change to this test, and one this test does
 * not know the environment of fails it.
 */
class ReadmeCommandsIT {

    private static final Pattern COMMAND = Pattern.compile("^    (bin/counter\\b.*?)\\s*(#.*)?$");
    private static final Pattern COMMENT_ONLY = Pattern.compile("^\\s+#.*$");

    @TempDir
    Path work;

    /** The README's bin/counter lines, in blocks of consecutive lines (a comment-only line continues a block). */
    static List<List<String>> blocks() throws IOException {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : Files.readAllLines(Path.of(System.getProperty("readme", "../README.md")))) {
            Matcher m = COMMAND.matcher(line);
            if (m.matches()) {
                if (current == null) {
                    current = new ArrayList<>();
                    blocks.add(current);
                }
                current.add(m.group(1));
            } else if (current == null || !COMMENT_ONLY.matcher(line).matches()) {
                current = null;
            }
        }
        return blocks;
    }

    @Test
    void everyCommandOfTheReadmeRunsAsPrinted() throws Exception {
        List<List<String>> blocks = blocks();
        assertTrue(blocks.size() >= 4, "the README's command blocks: " + blocks);
        Path clone = Files.createDirectories(work.resolve("clone"));
        Files.createDirectories(clone.resolve("bin"));
        for (String script : List.of("counter", "jvm-options.sh")) {
            Path to = clone.resolve("bin").resolve(script);
            Files.copy(Path.of("../bin").resolve(script), to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        int ran = 0;
        for (List<String> block : blocks) {
            String joined = String.join("\n", block);
            if (joined.equals("bin/counter")) {
                continue; // the server itself: RunnableJarIT starts it through bin/counter
            }
            try (Environment env = Environment.forBlock(joined, clone)) {
                for (String command : block) {
                    Run r = run(clone, env.variables(), command);
                    assertEquals(0, r.code(), command + "\n" + r.output());
                    assertFalse(r.output().contains("\tat "), "a stack trace from " + command + "\n" + r.output());
                    ran++;
                }
            }
        }
        assertTrue(ran >= 10, "commands run: " + ran);
    }

    private record Run(int code, String output) {
    }

    private static Run run(Path clone, Map<String, String> env, String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(clone.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("AWS_") || k.startsWith("S3_")
                || k.startsWith("MAXMIND_") || k.startsWith("GEOIP_") || k.equals("API_KEY") || k.equals("LOG_DIR")
                || k.equals("TENANTS") || k.equals("JAVA_OPTS") || k.equals("TIMEZONE"));
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator
                + pb.environment().getOrDefault("PATH", ""));
        pb.environment().put("COUNTER_JAR", AppProcess.jar().toAbsolutePath().toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        reader.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + ": still running after 90 s\n" + out.toString(StandardCharsets.UTF_8));
        }
        reader.join(5_000);
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    /** What a block's section says to set up before its commands. */
    private static final class Environment implements AutoCloseable {

        private final Map<String, String> variables = new HashMap<>();
        private final List<AutoCloseable> parts = new ArrayList<>();

        static Environment forBlock(String block, Path clone) throws Exception {
            Environment e = new Environment();
            if (block.contains("bin/counter import")) {
                Files.writeString(clone.resolve("history.csv"), "counter,day,count\nsignup,2025-03-01,120\n");
            }
            if (block.contains("sync-logs")) {
                e.s3(clone);
            } else if (block.contains("update-geoip")) {
                e.maxMind(clone);
            } else if (block.contains("verify")) {
                RedisServer redis = RedisServer.launch();
                e.parts.add(redis);
                e.variables.put("REDIS_URL", redis.url());
            } else if (!block.startsWith("bin/counter tenant") && !block.startsWith("bin/counter aggregate")
                    && !block.startsWith("bin/counter import")) {
                throw new AssertionError("a README block this test has no environment for: " + block);
            }
            return e;
        }

        Map<String, String> variables() {
            return variables;
        }

        /** "Set AWS_PATH=bucket/rootfolder": a bucket on S3Proxy, and yesterday's closed log in ./logs. */
        private void s3(Path clone) throws Exception {
            S3ProxyServer s3 = new S3ProxyServer();
            parts.add(s3);
            try (S3Client client = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).forcePathStyle(true)
                    .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY))).build()) {
                client.createBucket(b -> b.bucket("bucket"));
            }
            LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
            Path logs = Files.createDirectories(clone.resolve("logs"));
            Files.writeString(logs.resolve(yesterday + "-" + TestServer.NODE_ID + "-access.log"),
                    "{\"ts\":\"" + yesterday + "T12:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1}\n");
            variables.putAll(Map.of("AWS_PATH", "bucket/rootfolder", "S3_ENDPOINT", s3.endpoint(),
                    "AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY, "NODE_ID", TestServer.NODE_ID));
        }

        /** "MAXMIND_ACCOUNT_ID / MAXMIND_LICENSE_KEY": a server speaking MaxMind's update protocol. */
        private void maxMind(Path clone) throws Exception {
            byte[] db = new MmdbWriter("GeoLite2-City", 24)
                    .insert("81.2.69.0/24", MmdbWriter.city("GB", "ENG", "London", "EC1A", 51.5142, -0.0931)).build();
            String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(db));
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(db);
            }
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/geoip/databases/GeoLite2-City/update", exchange -> {
                exchange.getResponseHeaders().add("X-Database-MD5", md5);
                exchange.sendResponseHeaders(200, gz.size());
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(gz.toByteArray());
                }
            });
            server.start();
            parts.add(() -> server.stop(0));
            variables.putAll(Map.of("MAXMIND_ACCOUNT_ID", "1", "MAXMIND_LICENSE_KEY", "key",
                    "GEOIP_UPDATE_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                    "GEOIP_DIR", clone.resolve("data/geoip").toString()));
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable part : parts) {
                part.close();
            }
        }
    }
}
