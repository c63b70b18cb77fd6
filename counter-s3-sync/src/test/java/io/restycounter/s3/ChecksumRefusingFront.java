package io.restycounter.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP front on 127.0.0.1 that makes a store answer as S3-compatible stores without checksum
 * mode do (S3Proxy 2.6.0, several MinIO, Ceph and other stores): by default a request carrying
 * {@code x-amz-checksum-*} or {@code x-amz-sdk-checksum-algorithm} gets 501 NotImplemented, and
 * every other request is passed byte for byte to the store behind it, one request per connection.
 * The Host header stays the front's, so the client's AWS v4 signature still holds.
 */
public final class ChecksumRefusingFront implements AutoCloseable {

    /** The ways stores in the field lack checksum mode. */
    public enum Behaviour {
        /** 501 NotImplemented to any checksum header, x-amz-checksum-mode included. */
        REFUSES_CHECKSUM_HEADERS,
        /** Takes x-amz-checksum-mode, but 501 NotImplemented to an upload that carries a checksum. */
        REFUSES_UPLOAD_CHECKSUMS,
        /** Takes every header and answers no checksum. */
        IGNORES_CHECKSUMS
    }

    private static final String NOT_IMPLEMENTED_XML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<Error><Code>NotImplemented</Code>"
            + "<Message>A header you provided implies functionality that is not implemented</Message></Error>";

    private final int storePort;
    private final Behaviour behaviour;
    private final ServerSocket socket;
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger uploads = new AtomicInteger();
    private volatile String etagOnHead;

    /** Starts on a free port in front of the store listening on 127.0.0.1:{@code storePort}. */
    public ChecksumRefusingFront(int storePort) throws IOException {
        this(storePort, Behaviour.REFUSES_CHECKSUM_HEADERS);
    }

    public ChecksumRefusingFront(int storePort, Behaviour behaviour) throws IOException {
        this.storePort = storePort;
        this.behaviour = behaviour;
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "checksum-refusing-front");
        t.setDaemon(true);
        t.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /** Requests answered 501 for their checksum headers. */
    public int refused() {
        return refused.get();
    }

    /** PUTs passed on to the store. */
    public int uploads() {
        return uploads.get();
    }

    /** From now on HEAD answers carry this ETag instead of the store's; null for the store's own. */
    public void answerHeadsWithEtag(String etag) {
        etagOnHead = etag;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread t = new Thread(() -> handle(s), "checksum-refusing-front-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            List<String> head = readHead(in);
            if (head.isEmpty()) {
                return;
            }
            String method = head.get(0).split(" ", 2)[0];
            if (refuses(head)) {
                refused.incrementAndGet();
                refuse(method, head, in, out);
                return;
            }
            if (method.equals("PUT")) {
                uploads.incrementAndGet();
            }
            try (Socket store = new Socket(InetAddress.getLoopbackAddress(), storePort)) {
                OutputStream toStore = store.getOutputStream();
                toStore.write(join(closing(head)));
                toStore.flush();
                Thread body = new Thread(() -> pump(in, toStore), "checksum-refusing-front-body");
                body.setDaemon(true);
                body.start();
                InputStream fromStore = store.getInputStream();
                while (true) {
                    List<String> answer = readHead(fromStore);
                    if (answer.isEmpty()) {
                        return;
                    }
                    boolean interim = answer.get(0).startsWith("HTTP/1.1 1");
                    if (!interim && method.equals("HEAD") && etagOnHead != null) {
                        answer = withEtag(answer, etagOnHead);
                    }
                    if (behaviour == Behaviour.IGNORES_CHECKSUMS) {
                        answer = withoutChecksums(answer);
                    }
                    out.write(join(answer));
                    out.flush();
                    if (!interim) {
                        break;
                    }
                }
                fromStore.transferTo(out);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away: the client sees a dropped connection, as from a real store
        }
    }

    private boolean refuses(List<String> head) {
        if (behaviour == Behaviour.IGNORES_CHECKSUMS) {
            return false;
        }
        for (String line : head.subList(1, head.size())) {
            String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
            boolean mode = name.equals("x-amz-checksum-mode");
            if ((name.startsWith("x-amz-checksum-") || name.equals("x-amz-sdk-checksum-algorithm"))
                    && !(mode && behaviour == Behaviour.REFUSES_UPLOAD_CHECKSUMS)) {
                return true;
            }
        }
        return false;
    }

    private static void refuse(String method, List<String> head, InputStream in, OutputStream out) throws IOException {
        if (header(head, "expect") == null) {
            String length = header(head, "content-length");
            if (length != null) {
                in.readNBytes(Integer.parseInt(length.trim()));
            }
        }
        byte[] body = NOT_IMPLEMENTED_XML.getBytes(StandardCharsets.UTF_8);
        String answer = "HTTP/1.1 501 Not Implemented\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        out.write(answer.getBytes(StandardCharsets.US_ASCII));
        if (!method.equals("HEAD")) {
            out.write(body);
        }
        out.flush();
    }

    private static String header(List<String> head, String name) {
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** The request with {@code Connection: close}, a header that AWS v4 signatures leave out. */
    private static List<String> closing(List<String> head) {
        List<String> result = new ArrayList<>();
        for (String line : head) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                result.add(line);
            }
        }
        result.add("Connection: close");
        return result;
    }

    private static List<String> withEtag(List<String> answer, String etag) {
        List<String> result = new ArrayList<>();
        for (String line : answer) {
            result.add(line.toLowerCase(Locale.ROOT).startsWith("etag:") ? "ETag: " + etag : line);
        }
        return result;
    }

    private static List<String> withoutChecksums(List<String> answer) {
        List<String> result = new ArrayList<>();
        for (String line : answer) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum-")) {
                result.add(line);
            }
        }
        return result;
    }

    private static void pump(InputStream from, OutputStream to) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            // the exchange is over
        }
    }

    /** The start line and headers, without the blank line; empty when the peer closed first. */
    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r")) {
                    text = text.substring(0, text.length() - 1);
                }
                if (text.isEmpty()) {
                    return lines;
                }
                lines.add(text);
                line.reset();
            } else {
                line.write(c);
            }
        }
        return List.of();
    }

    private static byte[] join(List<String> head) {
        return (String.join("\r\n", head) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
