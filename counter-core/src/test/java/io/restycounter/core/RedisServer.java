package io.restycounter.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process on a free loopback port, in its own temp directory: without
 * persistence, or {@link #launchDurable() durable} (an fsync'd append-only file) for tests that kill
 * and restart it and expect it to keep what it acknowledged, as a production Redis would. {@link #stop()} kills it (Redis is down), {@link #start()} starts it again on the same port.
 * Shared with other modules through counter-core's test-jar.
 */
public final class RedisServer implements AutoCloseable {

    static final String NOT_FOUND =
            "redis-server not found: run bin/test (it installs Debian's redis-server) or apt-get install redis-server";

    private final Path executable;
    private final Path dir;
    private final int port;
    private final boolean durable;
    private final String password;
    private final Path tls;
    private Process process;

    private RedisServer(Path executable, Path dir, int port, boolean durable, String password, Path tls) {
        this.executable = executable;
        this.dir = dir;
        this.port = port;
        this.durable = durable;
        this.password = password;
        this.tls = tls;
    }

    /** Starts a new server on a free port and waits until it answers. */
    public static RedisServer launch() {
        return launch(false, null, null);
    }

    /**
     * As {@link #launch()}, speaking TLS only, with {@code cert.pem}, {@code key.pem} and {@code ca.pem}
     * from {@code certificates}; clients need not present a certificate.
     */
    public static RedisServer launchTls(Path certificates) {
        return launch(false, null, certificates);
    }

    /** As {@link #launch()}, with every write fsync'd to an append-only file that survives a kill. */
    public static RedisServer launchDurable() {
        return launch(true, null, null);
    }

    /** As {@link #launch()}, requiring {@code password} (AUTH) from every client. */
    public static RedisServer launchWithPassword(String password) {
        return launch(false, password, null);
    }

    private static RedisServer launch(boolean durable, String password, Path tls) {
        Path exe = findExecutable();
        try {
            RedisServer server = new RedisServer(exe, Files.createTempDirectory("redis-test"), freePort(), durable,
                    password, tls);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path findExecutable() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, "redis-server"))) {
                    return Path.of(d, "redis-server");
                }
            }
        }
        for (Path p : List.of(Path.of("/usr/bin/redis-server"), Path.of("/usr/local/bin/redis-server"))) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException(NOT_FOUND);
    }

    /** A loopback port free now that no outgoing connection will take later; safe to bind again after a stop. */
    public static int freePort() throws IOException {
        // Below the kernel's ephemeral range (32768-60999), so no outgoing connection of this or another test
        // can take the port between this probe and a (re)start that binds it again.
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(20_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000 on loopback");
    }

    /** Starts the process (again) on the same port and waits until it answers PING. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of(executable.toString(),
                "--port", tls == null ? Integer.toString(port) : "0", "--bind", "127.0.0.1",
                "--save", "", "--appendonly", durable ? "yes" : "no", "--appendfsync", "always",
                "--dir", dir.toString()));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        if (tls != null) {
            command.addAll(List.of("--tls-port", Integer.toString(port),
                    "--tls-cert-file", tls.resolve("cert.pem").toString(),
                    "--tls-key-file", tls.resolve("key.pem").toString(),
                    "--tls-ca-cert-file", tls.resolve("ca.pem").toString(),
                    "--tls-auth-clients", "no"));
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tls == null ? !answersPing() : !acceptsConnections()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-server on port " + port + " did not start: " + logTail());
            }
            sleep(20);
        }
    }

    /** Kills the process, as a crash would: Redis is down until {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public int port() {
        return port;
    }

    public String url() {
        return (tls == null ? "redis://127.0.0.1:" : "rediss://127.0.0.1:") + port;
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    /** A TLS-only server cannot be PINGed in plain text; that it accepts connections must do. */
    private boolean acceptsConnections() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, buf.length);
            String reply = new String(buf, 0, n, StandardCharsets.US_ASCII);
            // A server that wants AUTH is up too: it answers, just not to strangers.
            return reply.equals("+PONG\r\n") || reply.equals("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    private String logTail() {
        try {
            String log = Files.readString(dir.resolve("redis.log"));
            return log.length() > 500 ? log.substring(log.length() - 500) : log;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
