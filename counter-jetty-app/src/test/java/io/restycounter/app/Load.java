package io.restycounter.app;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/** Client threads sending pixel requests until stopped, counting the answers by status. */
final class Load {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    /** {@code uri} gets the thread number and that thread's request number. */
    static Load start(int threads, BiFunction<Integer, Integer, URI> uri) {
        Load load = new Load();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> load.run(thread, uri), "load-" + t);
            th.setDaemon(true);
            load.threads.add(th);
            th.start();
        }
        return load;
    }

    /**
     * One keep-alive connection per thread, spoken by hand: a library client may resend a GET on a
     * connection it finds closed, and the server would count a hit the test never saw answered.
     */
    private void run(int thread, BiFunction<Integer, Integer, URI> uri) {
        int i = 0;
        Socket socket = null;
        InputStream in = null;
        while (running.get()) {
            URI u = uri.apply(thread, i++);
            try {
                if (socket == null) {
                    socket = new Socket(u.getHost(), u.getPort());
                    socket.setSoTimeout(10_000);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream());
                }
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())
                        + " HTTP/1.1\r\nHost: " + u.getHost() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                byStatus.computeIfAbsent(readResponse(in), s -> new AtomicLong()).incrementAndGet();
            } catch (IOException e) {
                failed.incrementAndGet();
                closeQuietly(socket);
                socket = null;
                LockSupport.parkNanos(5_000_000);
            }
        }
        closeQuietly(socket);
    }

    /** Reads one response with a Content-Length body and returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        long length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        in.skipNBytes(length);
        return Integer.parseInt(status.substring(9, 12));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // gone already
            }
        }
    }

    long answered(int status) {
        AtomicLong n = byStatus.get(status);
        return n == null ? 0 : n.get();
    }

    long total() {
        return byStatus.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Requests that got no answer at all (connection refused or reset). */
    long failed() {
        return failed.get();
    }

    int threads() {
        return threads.size();
    }

    void awaitAnswered(int status, long n, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (answered(status) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + answered(status) + " answers " + status + " in " + seconds + " s: " + byStatus);
            }
            Thread.sleep(5);
        }
    }

    /** Stops sending and waits for the last answers. */
    Load stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
        return this;
    }

    @Override
    public String toString() {
        return byStatus + ", no answer: " + failed.get();
    }
}
