package io.restycounter.core.geoip;

import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import io.restycounter.core.GeoIp;
import io.restycounter.core.AtomicFiles;
import io.restycounter.core.FileErrors;
import io.restycounter.core.Lifecycle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the GeoIP databases current with MaxMind's GeoIP Update protocol: for each edition,
 * {@code GET {GEOIP_UPDATE_URL}/geoip/databases/{edition}/update?db_md5={md5 of the file we have}} with HTTP
 * basic authentication (account id, license key). 304 means up to date; 200 carries the gzipped database and
 * the MD5 of the uncompressed file in {@code X-Database-MD5}.
 *
 * <p>A download goes to a temporary file in GEOIP_DIR, must match the MD5, open as a MaxMind database whose
 * {@code database_type} is the edition id, and answer a few lookups; only then is it renamed over
 * {@code {edition}.mmdb} and the served {@link MaxMindGeoIp} reloaded. Anything less leaves the current file in
 * service and logs one line.
 *
 * <p>A {@link Lifecycle} on one daemon thread, {@code geoip-updater}: {@link #start()} runs a first check
 * shortly after start, then weekly after each success, retrying a failure after 1 minute, doubling up to 6
 * hours. The delays are those of a {@link ScheduledExecutorService}, so a change of the wall clock moves
 * nothing. {@link #stop()} interrupts a download in progress and waits up to {@link #STOP_WAIT} (10 s) for
 * it to end. {@link #runOnce()} is the {@code update-geoip} command.
 */
public final class GeoIpUpdater implements Lifecycle {

    /** How long {@link #stop()} waits for an interrupted check to end. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);

    /** What happened to one edition. */
    public enum Outcome { UPDATED, UP_TO_DATE, UNAUTHORIZED, FAILED }

    public record EditionResult(String edition, Outcome outcome, String message) {
    }

    /** The outcome of one run, one entry per edition in GEOIP_EDITIONS order. */
    public record Result(List<EditionResult> editions) {

        public Result {
            editions = List.copyOf(editions);
        }

        /** No edition failed. */
        public boolean ok() {
            return editions.stream().allMatch(e -> e.outcome() == Outcome.UPDATED || e.outcome() == Outcome.UP_TO_DATE);
        }

        /** At least one edition was installed. */
        public boolean updated() {
            return editions.stream().anyMatch(e -> e.outcome() == Outcome.UPDATED);
        }

        public Outcome outcome(String edition) {
            return editions.stream().filter(e -> e.edition().equals(edition)).map(EditionResult::outcome)
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no edition " + edition));
        }
    }

    /** Delays of the schedule. */
    record Schedule(Duration firstRun, Duration interval, Duration firstRetry, Duration maxRetry) {

        static final Schedule WEEKLY =
                new Schedule(Duration.ofSeconds(30), Duration.ofDays(7), Duration.ofMinutes(1), Duration.ofHours(6));

        Duration retryAfter(int failures) {
            Duration d = firstRetry;
            for (int i = 1; i < failures && d.compareTo(maxRetry) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(maxRetry) > 0 ? maxRetry : d;
        }
    }

    static final String NO_DATABASE_MD5 = "00000000000000000000000000000000";
    static final long MAX_DATABASE_BYTES = 2L << 30;
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);
    private static final int MAX_REDIRECTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(GeoIpUpdater.class);

    private final GeoIpSettings settings;
    private final GeoIp served;
    private final HttpClient http;
    private final Schedule schedule;
    private final String authorization;
    private final Object runLock = new Object();

    private ScheduledExecutorService executor;
    private int failures;
    private volatile Result lastResult;

    /**
     * @param served the GeoIp in service ({@link GeoIpFactory#open}); a {@link MaxMindGeoIp} is reloaded when
     *               the file it serves, or the first edition when GEOIP_DB is unset, is updated
     * @throws IllegalArgumentException when MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY are not set
     */
    public GeoIpUpdater(GeoIpSettings settings, GeoIp served) {
        this(settings, served, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER).build(), Schedule.WEEKLY);
    }

    GeoIpUpdater(GeoIpSettings settings, GeoIp served, HttpClient http, Schedule schedule) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (!settings.updatesEnabled()) {
            throw new IllegalArgumentException("GeoIP updates need MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY");
        }
        this.served = served == null ? GeoIp.none() : served;
        this.http = http;
        this.schedule = schedule;
        String credentials = settings.accountId() + ":" + settings.licenseKey();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** Schedules the first check and the ones after it on a daemon thread of its own; a second call does nothing. */
    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "geoip-updater");
            t.setDaemon(true);
            return t;
        });
        executor.schedule(this::runScheduled, schedule.firstRun().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Cancels the schedule and interrupts a download in progress, waiting up to {@link #STOP_WAIT} for it;
     * the database in service stays.
     */
    @Override
    public void stop() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = executor;
            executor = null;
        }
        if (running == null) {
            return;
        }
        // Waited for outside the lock: a run that is ending takes the lock to schedule its successor.
        running.shutdownNow();
        try {
            if (!running.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("GeoIP updater did not stop within {} s; its thread is left to end", STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The result of the latest run, scheduled or not; null before the first. */
    public Result lastResult() {
        return lastResult;
    }

    private void runScheduled() {
        Duration next;
        try {
            Result r = runOnce();
            if (r.ok()) {
                failures = 0;
                next = schedule.interval();
            } else {
                failures++;
                next = schedule.retryAfter(failures);
            }
        } catch (RuntimeException e) {
            LOG.warn("GeoIP update failed: {}", e.toString());
            failures++;
            next = schedule.retryAfter(failures);
        }
        synchronized (this) {
            if (executor != null && !executor.isShutdown() && !Thread.currentThread().isInterrupted()) {
                executor.schedule(this::runScheduled, next.toMillis(), TimeUnit.MILLISECONDS);
                LOG.debug("next GeoIP update check in {}", next);
            }
        }
    }

    /** Checks and installs every edition once, now, on the calling thread. Never throws. */
    public Result runOnce() {
        synchronized (runLock) {
            List<EditionResult> results = new ArrayList<>();
            for (String edition : settings.editions()) {
                EditionResult r = update(edition);
                results.add(r);
                switch (r.outcome()) {
                    case UPDATED -> LOG.info("GeoIP {}: {}", edition, r.message());
                    case UP_TO_DATE -> LOG.debug("GeoIP {}: {}", edition, r.message());
                    default -> LOG.warn("GeoIP update of {} failed: {}; the current database stays in service",
                            edition, r.message());
                }
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
            }
            Result result = new Result(results);
            lastResult = result;
            return result;
        }
    }

    private EditionResult update(String edition) {
        Path target = settings.editionFile(edition);
        try {
            try {
                Files.createDirectories(target.getParent());
            } catch (IOException e) {
                return new EditionResult(edition, Outcome.FAILED, "GEOIP_DIR: " + FileErrors.cannotCreate(target.getParent(), e));
            }
            String md5 = Files.isRegularFile(target) ? md5(target) : NO_DATABASE_MD5;
            URI uri = URI.create(settings.updateUrl() + "/geoip/databases/" + edition + "/update?db_md5=" + md5);
            HttpResponse<InputStream> response = send(uri);
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status == 304) {
                    return new EditionResult(edition, Outcome.UP_TO_DATE, "up to date");
                }
                if (status == 401 || status == 403) {
                    return new EditionResult(edition, Outcome.UNAUTHORIZED, "the update server refused the credentials"
                            + " (HTTP " + status + "): MAXMIND_ACCOUNT_ID or MAXMIND_LICENSE_KEY is wrong");
                }
                if (status != 200) {
                    return new EditionResult(edition, Outcome.FAILED, "HTTP " + status + errorText(body));
                }
                String expected = response.headers().firstValue("X-Database-MD5").orElse(null);
                if (expected == null || expected.isBlank()) {
                    return new EditionResult(edition, Outcome.FAILED, "the response has no X-Database-MD5 header");
                }
                install(edition, body, expected.trim(), target);
                return new EditionResult(edition, Outcome.UPDATED, "installed " + target);
            }
        } catch (GeoIpException e) {
            return new EditionResult(edition, Outcome.FAILED, e.getMessage());
        } catch (IOException e) {
            return new EditionResult(edition, Outcome.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new EditionResult(edition, Outcome.FAILED, "interrupted");
        } catch (RuntimeException e) {
            return new EditionResult(edition, Outcome.FAILED, e.toString());
        }
    }

    /**
     * GET {@code uri}, following redirects by hand so that the credentials go only to the update server's own
     * host (the JDK client would repeat them to wherever a redirect points).
     */
    private HttpResponse<InputStream> send(URI uri) throws IOException, InterruptedException {
        URI at = uri;
        for (int hops = 0; ; hops++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(at).timeout(REQUEST_TIMEOUT).GET()
                    .header("User-Agent", "resty-counter-geoipupdate");
            if (sameOrigin(at, uri)) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            String location = response.headers().firstValue("Location").orElse(null);
            if (status < 300 || status > 399 || status == 304 || location == null) {
                return response;
            }
            response.body().close();
            if (hops >= MAX_REDIRECTS) {
                throw new GeoIpException("too many redirects from " + uri.getHost());
            }
            URI next = at.resolve(location);
            if (!"https".equals(next.getScheme()) && !"http".equals(at.getScheme())) {
                throw new GeoIpException("refused a redirect from https to " + next.getScheme());
            }
            at = next;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    private void install(String edition, InputStream gzipped, String expectedMd5, Path target) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + edition + "-", ".download");
        try {
            String got = gunzip(gzipped, tmp);
            if (!got.equalsIgnoreCase(expectedMd5)) {
                throw new GeoIpException("MD5 mismatch: the server announced " + printable(expectedMd5)
                        + ", the download is " + got);
            }
            verify(tmp, edition);
            AtomicFiles.replace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        reloadServed(edition, target);
    }

    private void reloadServed(String edition, Path target) {
        if (!(served instanceof MaxMindGeoIp geoIp)) {
            return;
        }
        Path file = target.toAbsolutePath().normalize();
        boolean primary = settings.db() == null && edition.equals(settings.editions().get(0));
        if (!file.equals(geoIp.path()) && !primary) {
            return;
        }
        try {
            geoIp.reload(file);
        } catch (GeoIpException e) {
            LOG.warn("GeoIP {} installed but not reloaded: {}", edition, e.getMessage());
        }
    }

    /** Writes the uncompressed body to {@code tmp}; the MD5 of what was written. */
    private static String gunzip(InputStream gzipped, Path tmp) throws IOException {
        MessageDigest md5 = md5Digest();
        long total = 0;
        try (InputStream in = new DigestInputStream(new GZIPInputStream(gzipped, 1 << 16), md5);
             OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                if (total > MAX_DATABASE_BYTES) {
                    throw new GeoIpException("the download is larger than " + MAX_DATABASE_BYTES + " bytes");
                }
                out.write(buf, 0, n);
            }
        } catch (GeoIpException e) {
            throw e;
        } catch (IOException e) {
            throw new GeoIpException("the download is not a complete gzip stream (" + e.getMessage() + ")", e);
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /**
     * Opens {@code file} as a MaxMind database of type {@code edition} and looks up a spread of addresses, which
     * walks the search tree and decodes records: a truncated or scrambled file fails here, not in service.
     */
    static void verify(Path file, String edition) throws GeoIpException {
        try (Reader reader = new Reader(file.toFile(), Reader.FileMode.MEMORY)) {
            Metadata m = reader.getMetadata();
            if (!edition.equals(m.databaseType())) {
                throw new GeoIpException("wrong database type: expected " + edition + ", got "
                        + printable(String.valueOf(m.databaseType())));
            }
            // One address in every /8 and a few hundred IPv6 ones: enough to reach records all over a real
            // database in a few milliseconds. Decoding every record would take minutes for a City database;
            // a single bad record that slips through only makes its own lookups empty.
            for (int first = 1; first < 224; first++) {
                byte[] v4 = {(byte) first, (byte) (first * 7), (byte) (first * 13), 1};
                reader.get(InetAddress.getByAddress(v4), Map.class);
            }
            if (m.ipVersion() == 6) {
                for (int i = 0; i < 256; i++) {
                    byte[] v6 = new byte[16];
                    v6[0] = (byte) (0x20 | (i >> 6));
                    v6[1] = (byte) (i * 5);
                    v6[2] = (byte) (i * 11);
                    reader.get(InetAddress.getByAddress(v6), Map.class);
                }
            }
        } catch (GeoIpException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new GeoIpException("the download is not a valid MaxMind database (" + e.getMessage() + ")", e);
        }
    }

    static String md5(Path file) throws IOException {
        MessageDigest md5 = md5Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every Java platform", e);
        }
    }

    /** The start of an error body, as one printable line. */
    private static String errorText(InputStream body) {
        try {
            byte[] head = body.readNBytes(200);
            String s = printable(new String(head, StandardCharsets.UTF_8).trim());
            return s.isEmpty() ? "" : ": " + s;
        } catch (IOException e) {
            return "";
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(c < ' ' || c == 0x7F ? ' ' : c);
        }
        return b.toString();
    }
}
