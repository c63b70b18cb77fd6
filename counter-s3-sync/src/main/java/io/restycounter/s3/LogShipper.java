package io.restycounter.s3;

import io.restycounter.core.Settings;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.LogFiles;
import io.restycounter.core.log.LogFileName;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Ships every closed daily log in LOG_DIR to
 * {@code s3://bucket/[rootfolder/]year=yyyy/month=MM/day=dd/{file name}[.gz]}.
 *
 * <p>A file is closed when its day is before today in TIMEZONE and it was not written to in the
 * last minute. Each upload carries a SHA-256 checksum of the exact bytes sent, which S3 verifies;
 * the local file moves to {@code LOG_DIR/shipped/} only after a HEAD with checksum mode shows S3
 * holds that same checksum. An object already holding the same bytes is not uploaded again; one
 * holding different bytes is never overwritten. Any failure leaves the local file for the next run.
 *
 * <p>A store that does not implement checksum mode (it answers 501 NotImplemented to the checksum
 * headers, or keeps no SHA-256 of an upload that carried one) is checked with what every S3 store
 * implements instead: the upload's Content-MD5, which the store verifies, and the ETag of the
 * single-part object, the hex MD5 of its bytes. The check in use is logged once per shipper.
 *
 * <p>Thread-safe: passes are serialized. Owns its {@link S3Client} and closes it.
 */
public final class LogShipper implements AutoCloseable {

    /** The folder in LOG_DIR that confirmed files move to. */
    public static final String SHIPPED_DIR = DailyFileHitLog.SHIPPED_DIR;
    /** A file written to more recently than this may still be receiving its last hits. */
    public static final Duration QUIET_PERIOD = Duration.ofMinutes(1);

    static final String STAGING_DIR = ".s3-staging";
    private static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
    private static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofMinutes(2);
    private static final Logger LOG = LoggerFactory.getLogger(LogShipper.class);

    private final S3Settings settings;
    private final S3Client s3;
    private final Clock clock;
    /** Learnt from the store's answers; only read and written inside the serialized passes. */
    private Check check = Check.UNKNOWN;

    /** How an upload is confirmed. */
    enum Check {
        UNKNOWN,
        /** S3's SHA-256 checksums: x-amz-checksum-sha256 on the upload, x-amz-checksum-mode on HEAD. */
        SHA256,
        /** Content-MD5 on the upload and the single-part ETag on HEAD. */
        MD5_ETAG
    }

    public LogShipper(S3Settings settings, S3Client s3, Clock clock) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
    }

    /** A shipper with an SDK client from the default credential chain, or empty when AWS_PATH is unset. */
    public static Optional<LogShipper> fromSettings(Settings settings, Clock clock) {
        return S3Settings.from(settings).map(s -> new LogShipper(s, newClient(s), clock));
    }

    /** An S3 client for these settings: credentials from the SDK's default chain. */
    public static S3Client newClient(S3Settings settings) {
        return newClient(settings, DefaultCredentialsProvider.builder().build(), DEFAULT_ATTEMPT_TIMEOUT);
    }

    static S3Client newClient(S3Settings settings, AwsCredentialsProvider credentials, Duration attemptTimeout) {
        S3ClientBuilder b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(attemptTimeout)
                        .build())
                .credentialsProvider(credentials)
                .region(region(settings))
                // The checksum is computed here over the bytes sent and passed explicitly.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(attemptTimeout)
                        .apiCallTimeout(attemptTimeout.multipliedBy(4)));
        if (settings.endpoint() != null) {
            b.endpointOverride(settings.endpoint()).forcePathStyle(true);
        } else {
            b.crossRegionAccessEnabled(true);
        }
        return b.build();
    }

    private static Region region(S3Settings settings) {
        if (settings.region() != null) {
            return settings.region();
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            return Region.US_EAST_1;
        }
    }

    public S3Settings settings() {
        return settings;
    }

    /** Ships every closed log file, then deletes shipped files past LOG_RETAIN_DAYS. */
    public synchronized ShipReport shipClosed() {
        LocalDate today = LocalDate.now(clock.withZone(settings.zone()));
        Instant quietSince = clock.instant().minus(QUIET_PERIOD);
        List<String> shipped = new ArrayList<>();
        List<String> present = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        List<ShipReport.Failure> failed = new ArrayList<>();
        List<String> open = new ArrayList<>();

        TreeMap<String, Path> logs;
        try {
            logs = dailyLogs(settings.logDir());
        } catch (IOException e) {
            LOG.warn("s3 ship: cannot list {}: {}", settings.logDir(), e.toString());
            failed.add(new ShipReport.Failure(settings.logDir().toString(), "cannot list: " + e));
            return new ShipReport(shipped, present, conflicts, failed, open, List.of());
        }
        for (var entry : logs.entrySet()) {
            String name = entry.getKey();
            Path file = entry.getValue();
            LogFileName parsed = LogFileName.parse(name).orElseThrow();
            FileState state;
            try {
                state = FileState.of(file);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                fail(failed, name, "cannot read: " + e);
                continue;
            }
            if (!parsed.day().isBefore(today) || state.modified.isAfter(quietSince)) {
                open.add(name);
                continue;
            }
            switch (shipOne(file, parsed, state, failed)) {
                case SHIPPED -> shipped.add(name);
                case ALREADY_PRESENT -> present.add(name);
                case CONFLICT -> conflicts.add(name);
                case FAILED -> { }
            }
        }
        List<String> expired = expire(today);
        ShipReport report = new ShipReport(shipped, present, conflicts, failed, open, expired);
        LOG.info("s3 ship to {}: {}", settings, report);
        return report;
    }

    private enum Outcome { SHIPPED, ALREADY_PRESENT, CONFLICT, FAILED }

    private Outcome shipOne(Path file, LogFileName name, FileState before, List<ShipReport.Failure> failed) {
        String key = settings.keyFor(name);
        String where = "s3://" + settings.bucket() + "/" + key;
        try (Payload payload = Payload.prepare(file, settings.gzip(), settings.logDir().resolve(STAGING_DIR))) {
            if (payload.length() > MAX_SINGLE_PUT) {
                fail(failed, name.toString(), payload.length() + " bytes is over the 5 GiB of a single upload");
                return Outcome.FAILED;
            }
            Optional<HeadObjectResponse> existing = head(key);
            if (existing.isPresent()) {
                if (existing.get().checksumSHA256() != null) {
                    learn(Check.SHA256, null);
                }
                if (!holds(existing.get(), payload)) {
                    LOG.error("s3 ship: {}: {} already holds different content ({}; ours {});"
                                    + " not overwritten, local file kept",
                            file, where, describe(existing.get()), describe(payload));
                    return Outcome.CONFLICT;
                }
                return markShipped(file, name, before, failed, "already present at " + where)
                        ? Outcome.ALREADY_PRESENT : Outcome.FAILED;
            }
            put(key, payload);
            Optional<HeadObjectResponse> stored = head(key);
            if (stored.isPresent() && check != Check.MD5_ETAG) {
                if (stored.get().checksumSHA256() != null) {
                    learn(Check.SHA256, null);
                } else {
                    learn(Check.MD5_ETAG, "it kept no SHA-256 checksum of an upload that carried one");
                }
            }
            if (stored.isEmpty() || !holds(stored.get(), payload)) {
                fail(failed, name.toString(), where + " did not confirm the upload ("
                        + stored.map(LogShipper::describe).orElse("absent") + "; ours " + describe(payload) + ")");
                return Outcome.FAILED;
            }
            return markShipped(file, name, before, failed, "uploaded to " + where) ? Outcome.SHIPPED : Outcome.FAILED;
        } catch (S3Exception e) {
            fail(failed, name.toString(), "S3 answered " + answer(e) + " for " + where);
        } catch (SdkException e) {
            fail(failed, name.toString(), "S3 unreachable for " + where + ": " + shorten(e.getMessage()));
        } catch (IOException e) {
            fail(failed, name.toString(), "cannot read: " + e);
        } catch (RuntimeException e) {
            LOG.warn("s3 ship: {}: unexpected failure", file, e);
            failed.add(new ShipReport.Failure(name.toString(), "unexpected: " + e));
        }
        return Outcome.FAILED;
    }

    private void put(String key, Payload payload) {
        if (check != Check.MD5_ETAG) {
            try {
                s3.putObject(putRequest(key, payload, true), RequestBody.fromFile(payload.body()));
                return;
            } catch (S3Exception e) {
                if (!notImplemented(e)) {
                    throw e;
                }
                learn(Check.MD5_ETAG, "it answered " + answer(e) + " to an upload with x-amz-checksum-sha256");
            }
        }
        s3.putObject(putRequest(key, payload, false), RequestBody.fromFile(payload.body()));
    }

    private PutObjectRequest putRequest(String key, Payload payload, boolean withSha256) {
        PutObjectRequest.Builder b = PutObjectRequest.builder()
                .bucket(settings.bucket())
                .key(key)
                .contentLength(payload.length())
                .contentType(settings.gzip() ? "application/gzip" : "application/x-ndjson")
                .contentMD5(payload.md5Base64());
        if (withSha256) {
            b.checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(payload.sha256Base64());
        }
        return b.build();
    }

    private Optional<HeadObjectResponse> head(String key) {
        if (check != Check.MD5_ETAG) {
            try {
                return head(key, ChecksumMode.ENABLED);
            } catch (S3Exception e) {
                if (!notImplemented(e)) {
                    throw e;
                }
                learn(Check.MD5_ETAG, "it answered " + answer(e) + " to a HEAD with x-amz-checksum-mode");
            }
        }
        return head(key, null);
    }

    private Optional<HeadObjectResponse> head(String key, ChecksumMode mode) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(settings.bucket()).key(key).checksumMode(mode)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** How stores without checksum mode refuse its headers; a HEAD answer has no body, so only the status tells. */
    private static boolean notImplemented(S3Exception e) {
        return e.statusCode() == 501
                || (e.awsErrorDetails() != null && "NotImplemented".equals(e.awsErrorDetails().errorCode()));
    }

    private static String answer(S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return e.statusCode() + (code == null ? "" : " " + code);
    }

    private void learn(Check learnt, String why) {
        if (check == learnt) {
            return;
        }
        check = learnt;
        if (learnt == Check.SHA256) {
            LOG.info("s3 ship to {}: uploads are checked with S3's SHA-256 checksums (checksum mode)", settings);
        } else {
            LOG.info("s3 ship to {}: the store does not implement checksum mode ({}); uploads are checked with"
                    + " Content-MD5 and the object's ETag instead", settings, why);
        }
    }

    /** The check this shipper uses, as learnt from the store so far. */
    synchronized Check check() {
        return check;
    }

    private static String describe(HeadObjectResponse object) {
        return object.contentLength() + " bytes, " + (object.checksumSHA256() != null
                ? "sha256 " + object.checksumSHA256() : "ETag " + object.eTag());
    }

    private String describe(Payload payload) {
        return payload.length() + " bytes, " + (check == Check.MD5_ETAG
                ? "ETag \"" + payload.md5Hex() + "\"" : "sha256 " + payload.sha256Base64());
    }

    /**
     * Whether the object is the payload: its SHA-256 checksum, or, from a store that keeps no
     * SHA-256 checksums, its single-part ETag (the MD5 it verified through Content-MD5).
     */
    static boolean holds(HeadObjectResponse object, Payload payload) {
        if (object.contentLength() == null || object.contentLength() != payload.length()) {
            return false;
        }
        if (object.checksumSHA256() != null) {
            return object.checksumSHA256().equals(payload.sha256Base64());
        }
        String etag = object.eTag() == null ? "" : object.eTag().replace("\"", "");
        return etag.equalsIgnoreCase(payload.md5Hex());
    }

    private boolean markShipped(Path file, LogFileName name, FileState before, List<ShipReport.Failure> failed, String what) {
        try {
            if (!FileState.of(file).equals(before)) {
                fail(failed, name.toString(), "changed while shipping; S3 holds the earlier bytes, will compare again next run");
                return false;
            }
            Path dir = LogFiles.createDirectories(settings.logDir().resolve(SHIPPED_DIR));
            Path target = dir.resolve(file.getFileName());
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("s3 ship: {}: {}, moved to {}", file.getFileName(), what, target);
            return true;
        } catch (IOException e) {
            fail(failed, name.toString(), what + " but cannot move to " + SHIPPED_DIR + "/: " + e);
            return false;
        }
    }

    private List<String> expire(LocalDate today) {
        Path dir = settings.logDir().resolve(SHIPPED_DIR);
        List<String> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return deleted;
        }
        LocalDate oldestKept = today.minusDays(settings.retainDays());
        try {
            for (var entry : dailyLogs(dir).entrySet()) {
                LogFileName name = LogFileName.parse(entry.getKey()).orElseThrow();
                if (name.day().isBefore(oldestKept)) {
                    try {
                        Files.deleteIfExists(entry.getValue());
                        deleted.add(entry.getKey());
                    } catch (IOException e) {
                        LOG.warn("s3 ship: cannot delete expired {}: {}", entry.getValue(), e.toString());
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("s3 ship: cannot list {}: {}", dir, e.toString());
        }
        return deleted;
    }

    /** The daily log files directly in {@code dir}, by name. */
    private static TreeMap<String, Path> dailyLogs(Path dir) throws IOException {
        TreeMap<String, Path> found = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (LogFileName.parse(name).isPresent() && Files.isRegularFile(p)) {
                    found.put(name, p);
                }
            }
        }
        return found;
    }

    private static void fail(List<ShipReport.Failure> failed, String name, String reason) {
        LOG.warn("s3 ship: {}: not shipped, kept for the next run: {}", name, reason);
        failed.add(new ShipReport.Failure(name, reason));
    }

    private static String shorten(String message) {
        if (message == null) {
            return "no detail";
        }
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    @Override
    public void close() {
        s3.close();
    }

    private record FileState(long size, Instant modified) {
        static FileState of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileState(a.size(), a.lastModifiedTime().toInstant());
        }
    }
}
