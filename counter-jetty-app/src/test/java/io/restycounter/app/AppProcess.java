package io.restycounter.app;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The runnable jar, started as its own JVM the way an operator starts it: through {@code bin/counter}. */
final class AppProcess implements AutoCloseable {

    private final Process process;
    private final List<String> output = new ArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private AppProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "app-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("app.jar", "target/counter-jetty-app.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no runnable jar at " + jar + ": run mvn verify, which packages it first");
        }
        return jar;
    }

    static Path launcher() {
        Path launcher = Path.of(System.getProperty("app.launcher", "../bin/counter"));
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no executable launcher at " + launcher);
        }
        return launcher;
    }

    /** Starts the jar in {@code workDir} with exactly these settings in its environment. */
    static AppProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher().toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("AWS_") || k.equals("API_KEY")
                || k.equals("LOG_DIR") || k.equals("HTTP_PORT") || k.equals("TIMEZONE") || k.startsWith("S3_")
                || k.equals("JAVA_OPTS"));
        // The launcher runs the java on PATH: make it this JDK's.
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator
                + pb.environment().getOrDefault("PATH", ""));
        pb.environment().put("COUNTER_JAR", jar().toAbsolutePath().toString());
        pb.environment().put("NODE_ID", TestServer.NODE_ID);
        pb.environment().putAll(env);
        return new AppProcess(pb.start());
    }

    /** Waits for a line of output that contains {@code text}, and returns it. */
    String awaitLine(String text, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.contains(text)) {
                return line;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("no line containing \"" + text + "\"; output so far:\n" + output());
    }

    /** The port from the start-up line {@code listening on http://host:port}. */
    int awaitPort() throws InterruptedException {
        String line = awaitLine("listening on http://", 60);
        String rest = line.substring(line.indexOf("listening on http://") + "listening on http://".length());
        return Integer.parseInt(rest.substring(rest.indexOf(':') + 1, rest.indexOf(' ')));
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    Process process() {
        return process;
    }

    /** SIGTERM, as an operator or an orchestrator stops it; returns the exit code. */
    int terminate(long seconds) throws InterruptedException {
        // Through the handle: Process.destroy() also closes the output pipe, so what the app says while it
        // stops would be lost.
        process.toHandle().destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running " + seconds + " s after SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
