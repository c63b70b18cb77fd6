package io.restycounter.core.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.HitLog;
import io.restycounter.core.geoip.InetAddresses;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each hit as one JSON line to {@code {dir}/yyyy-MM-dd[-node]-access.log}, the day taken from
 * the hit's own time in the configured zone, so the file a hit lands in always matches the day it
 * was counted on.
 *
 * <p>{@link #append} only puts the hit on a bounded lock-free queue; one writer thread encodes,
 * looks up the location and writes. While hits keep coming it drains the queue and hands everything
 * to the operating system in one write every 2 ms, so a crash of the JVM loses at most what arrived
 * in the last tick or two (and never more than the queue's capacity).
 */
public final class DailyFileHitLog implements HitLog {

    public static final int DEFAULT_QUEUE_CAPACITY = 1 << 16;

    /** Where closed files go once S3 confirmed them ({@code LOG_DIR/shipped}); rebuilds read it too. */
    public static final String SHIPPED_DIR = "shipped";

    private static final Logger LOG = LoggerFactory.getLogger(DailyFileHitLog.class);
    private static final int WRITE_THRESHOLD = 1 << 16;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * While hits keep coming, the writer drains the queue, writes once and sleeps this long: one
     * wake-up and one write() per tick however many hits arrive. It bounds how long a hit waits in
     * memory (the crash-loss window) and spares the request threads from waking the writer.
     */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final DateTimeFormatter TS_SECOND =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);

    // Field names encoded once; the writer spends its time on values, not on names.
    private static final SerializedString TS = new SerializedString("ts");
    private static final SerializedString TENANT = new SerializedString("tenant");
    private static final SerializedString COUNTER = new SerializedString("counter");
    private static final SerializedString INC = new SerializedString("inc");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString METHOD = new SerializedString("method");
    private static final SerializedString URI = new SerializedString("uri");
    private static final SerializedString IP = new SerializedString("ip");
    private static final SerializedString XFF = new SerializedString("xff");
    private static final SerializedString HOST = new SerializedString("host");
    private static final SerializedString SCHEME = new SerializedString("scheme");
    private static final SerializedString REFERER = new SerializedString("referer");
    private static final SerializedString UA = new SerializedString("ua");
    private static final SerializedString COUNTRY = new SerializedString("country");
    private static final SerializedString REGION = new SerializedString("region");
    private static final SerializedString CITY = new SerializedString("city");
    private static final SerializedString POSTAL = new SerializedString("postal");
    private static final SerializedString LAT = new SerializedString("lat");
    private static final SerializedString LON = new SerializedString("lon");
    private static final SerializedString NODE = new SerializedString("node");
    private static final SerializedString BOT = new SerializedString("bot");
    private static final Map<String, SerializedString> COMMON_VALUES = Stream.of("GET", "HEAD", "http", "https")
            .collect(Collectors.toUnmodifiableMap(v -> v, SerializedString::new));

    private final Path dir;
    private final String node;
    private final SerializedString nodeValue;
    private final GeoIp geoIp;
    private final int capacity;
    private final DayOfMillis days;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread writer;
    private volatile boolean running;
    private volatile boolean healthy = true;
    /** Set while the writer sleeps, so producers wake it only then rather than on every hit. */
    private volatile boolean writerSleeping;
    /** Set while hits are refused at the queue's capacity, so that is logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();

    // Writer-thread state.
    private final LineBuffer buffer = new LineBuffer();
    private JsonGenerator json;
    private FileChannel file;
    private LocalDate fileDay;
    // "yyyy-MM-ddTHH:mm:ss.mmmZ" of the last hit: most hits share their second with the one before.
    private final char[] ts = new char[24];
    private long tsSecond = Long.MIN_VALUE;

    /**
     * @param node    node id for the file name and each line, or null
     * @param geoIp   location lookups for each line; {@link GeoIp#none()} for none
     */
    public DailyFileHitLog(Path dir, ZoneId zone, String node, GeoIp geoIp, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: expected at least 1, got " + queueCapacity);
        }
        if (node != null && !LogFileName.isValidNode(node)) {
            throw new IllegalArgumentException("node: expected 1 to 64 characters of [A-Za-z0-9_.-], got \"" + node + "\"");
        }
        this.dir = dir;
        this.node = node;
        this.nodeValue = node == null ? null : new SerializedString(node);
        this.geoIp = geoIp;
        this.capacity = queueCapacity;
        this.days = new DayOfMillis(zone);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("LOG_DIR: cannot create " + dir + ": " + e.getMessage(), e);
        }
        json = newGenerator();
        writer = new Thread(this::writeLoop, "hit-log-writer");
        writer.setDaemon(true);
    }

    public DailyFileHitLog start() {
        running = true;
        writer.start();
        return this;
    }

    public Path directory() {
        return dir;
    }

    /** The file that holds the hits of {@code day} written by this node. */
    public Path fileFor(LocalDate day) {
        return dir.resolve(new LogFileName(day, node).toString());
    }

    @Override
    public boolean append(Hit hit) {
        int before = queued.getAndIncrement();
        if (before >= capacity) {
            queued.decrementAndGet();
            if (!refusing.get() && refusing.compareAndSet(false, true)) {
                LOG.error("LOG_QUEUE_CAPACITY reached: {} hits wait for the writer{}; new hits are refused (503, not counted)",
                        capacity, healthy ? "" : " (" + dir + " is not writable)");
            }
            return false;
        }
        queue.offer(hit);
        if (writerSleeping) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    @Override
    public void flush() {
        if (!writer.isAlive()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        queue.offer(done);
        LockSupport.unpark(writer);
        try {
            if (!done.await(30, TimeUnit.SECONDS)) {
                LOG.warn("hit log: flush still waiting after 30 s ({} hits queued)", queued.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    /** Hits accepted but not yet encoded. */
    public int queued() {
        return queued.get();
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.error("hit log: writer did not finish within 30 s; {} hits were not written", queued.get());
        }
    }

    private void writeLoop() {
        while (true) {
            boolean drained = drain();
            writeOut();
            if (refusing.get() && refusing.compareAndSet(true, false)) {
                LOG.info("hit log: queue drained; new hits are counted again");
            }
            if (!running && queue.isEmpty()) {
                break;
            }
            if (drained) {
                LockSupport.parkNanos(this, TICK_NANOS);
            } else {
                writerSleeping = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                writerSleeping = false;
            }
        }
        closeFile();
    }

    /** Encodes every queued hit into the buffer, writing whenever it fills; false if there was none. */
    private boolean drain() {
        boolean any = false;
        Object next;
        while ((next = queue.poll()) != null) {
            any = true;
            if (next instanceof Hit hit) {
                queued.decrementAndGet();
                try {
                    encode(hit);
                } catch (RuntimeException e) {
                    // A bug must cost one line, not the writer thread and every line after it.
                    LOG.error("hit log: could not encode a hit for {}; it is counted but not logged", hit.key(), e);
                }
                if (buffer.size() >= WRITE_THRESHOLD) {
                    writeOut();
                }
            } else {
                writeOut();
                ((CountDownLatch) next).countDown();
            }
        }
        return any;
    }

    private void encode(Hit hit) {
        LocalDate day = days.dayOf(hit.epochMillis());
        if (!day.equals(fileDay)) {
            writeOut();
            closeFile();
            fileDay = day;
        }
        // Lines collect in the generator's own buffer and reach this one when it fills or at writeOut.
        int lineStart = buffer.size() + json.getOutputBuffered();
        try {
            writeJson(hit);
        } catch (IOException | RuntimeException e) {
            // Drop the half-encoded line and the generator's state with it, so the next line is whole.
            flushGenerator();
            buffer.truncate(lineStart);
            json = newGenerator();
            throw new IllegalStateException("encoding failed", e);
        }
    }

    private JsonGenerator newGenerator() {
        try {
            JsonGenerator g = new JsonFactory().createGenerator(buffer);
            g.setRootValueSeparator(null);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeJson(Hit hit) throws IOException {
        JsonGenerator g = json;
        g.writeStartObject();
        g.writeFieldName(TS);
        g.writeString(timestamp(hit.epochMillis()), 0, ts.length);
        g.writeFieldName(TENANT);
        g.writeString(hit.key().tenant());
        g.writeFieldName(COUNTER);
        g.writeString(hit.key().counter());
        g.writeFieldName(INC);
        g.writeNumber(hit.inc());
        g.writeFieldName(STATUS);
        g.writeNumber(hit.status());
        common(g, METHOD, hit.method());
        optional(g, URI, hit.uri());
        optional(g, IP, hit.ip());
        optional(g, XFF, hit.xff());
        optional(g, HOST, hit.host());
        common(g, SCHEME, hit.scheme());
        optional(g, REFERER, hit.referer());
        optional(g, UA, hit.userAgent());
        if (hit.bot()) {
            g.writeFieldName(BOT);
            g.writeBoolean(true);
        }
        Optional<Geo> geo = locate(hit.ip());
        if (geo.isPresent()) {
            Geo l = geo.get();
            optional(g, COUNTRY, l.country());
            optional(g, REGION, l.region());
            optional(g, CITY, l.city());
            optional(g, POSTAL, l.postal());
            if (l.lat() != null && l.lon() != null) {
                g.writeFieldName(LAT);
                g.writeNumber(l.lat());
                g.writeFieldName(LON);
                g.writeNumber(l.lon());
            }
        }
        if (nodeValue != null) {
            g.writeFieldName(NODE);
            g.writeString(nodeValue);
        }
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private void flushGenerator() {
        try {
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // LineBuffer is memory: it never throws
        }
    }

    /** Fills {@link #ts} for {@code epochMillis}, formatting the date and time only when the second changes. */
    private char[] timestamp(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != tsSecond) {
            TS_SECOND.format(java.time.Instant.ofEpochSecond(second)).getChars(0, 20, ts, 0);
            tsSecond = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        ts[20] = (char) ('0' + millis / 100);
        ts[21] = (char) ('0' + millis / 10 % 10);
        ts[22] = (char) ('0' + millis % 10);
        ts[23] = 'Z';
        return ts;
    }

    private Optional<Geo> locate(String ip) {
        if (geoIp == GeoIp.none()) {
            return Optional.empty();
        }
        InetAddress address = InetAddresses.parseLiteral(ip);
        if (address == null) {
            return Optional.empty();
        }
        try {
            return geoIp.lookup(address);
        } catch (RuntimeException e) {
            LOG.debug("geoip lookup failed for {}", ip, e);
            return Optional.empty();
        }
    }

    /** A value that is nearly always one of a few (GET, http): written from bytes encoded once. */
    private static void common(JsonGenerator g, SerializedString name, String value) throws IOException {
        SerializedString encoded = value == null ? null : COMMON_VALUES.get(value);
        if (encoded == null) {
            optional(g, name, value);
        } else {
            g.writeFieldName(name);
            g.writeString(encoded);
        }
    }

    private static void optional(JsonGenerator g, SerializedString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    /** Hands the buffer to the file, retrying until it is written or the log is closing. */
    private void writeOut() {
        flushGenerator();
        if (buffer.size() == 0) {
            return;
        }
        int attempts = 0;
        while (true) {
            try {
                FileChannel channel = openFile();
                ByteBuffer bytes = ByteBuffer.wrap(buffer.bytes(), 0, buffer.size());
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                buffer.reset();
                if (!healthy) {
                    LOG.info("hit log: writing to {} again", dir);
                    healthy = true;
                }
                return;
            } catch (IOException e) {
                closeFile();
                if (healthy) {
                    LOG.error("hit log: cannot write to {}: {}; hits wait in memory and new ones are refused when {} are queued",
                            dir, e.toString(), capacity);
                    healthy = false;
                }
                if (!running && ++attempts >= 3) {
                    LOG.error("hit log: giving up at shutdown; {} bytes of log lines were not written", buffer.size());
                    buffer.reset();
                    return;
                }
                LockSupport.parkNanos(this, RETRY_PARK_NANOS);
            }
        }
    }

    private FileChannel openFile() throws IOException {
        if (file == null) {
            Files.createDirectories(dir);
            // Not APPEND: the channel must also read the last byte. This thread is the file's only writer.
            FileChannel channel = FileChannel.open(fileFor(fileDay),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            channel.position(channel.size());
            terminateTornLine(channel);
            file = channel;
        }
        return file;
    }

    /** A crash can leave a half-written last line; start on a fresh line so the next hit stays whole. */
    private static void terminateTornLine(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        channel.read(last, size - 1);
        if (last.get(0) != '\n') {
            channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
        }
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                LOG.warn("hit log: closing {} failed: {}", fileFor(fileDay), e.toString());
            }
            file = null;
        }
    }

    /** An unsynchronized growable byte buffer that the JSON generator writes into. */
    private static final class LineBuffer extends OutputStream {
        private byte[] bytes = new byte[WRITE_THRESHOLD + 8192];
        private int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] bytes() {
            return bytes;
        }

        int size() {
            return size;
        }

        void reset() {
            size = 0;
        }

        void truncate(int newSize) {
            size = newSize;
        }
    }
}
