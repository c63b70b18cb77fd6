package io.restycounter.s3;

import io.restycounter.core.Settings;
import io.restycounter.core.log.LogFileName;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;

/**
 * Where and how closed logs are shipped, parsed and validated once from {@link Settings}. Immutable.
 *
 * <ul>
 *   <li>{@code AWS_PATH}: {@code bucket} or {@code bucket/rootfolder}; unset means logs stay local</li>
 *   <li>{@code S3_ENDPOINT}: an S3-compatible store, addressed path-style</li>
 *   <li>{@code S3_GZIP}: upload gzip-compressed, key ending in {@code .gz}</li>
 *   <li>{@code LOG_DIR}, {@code TIMEZONE}: as for the log writer</li>
 *   <li>{@code LOG_RETAIN_DAYS}: how long shipped files stay in {@code LOG_DIR/shipped/} (default 7)</li>
 *   <li>{@code AWS_REGION} / {@code AWS_DEFAULT_REGION}: else the SDK's chain, else us-east-1</li>
 * </ul>
 * Credentials are never read here: the SDK's default chain finds them.
 */
public final class S3Settings {

    public static final int DEFAULT_RETAIN_DAYS = 7;

    private final String bucket;
    private final String prefix;
    private final URI endpoint;
    private final boolean gzip;
    private final Path logDir;
    private final ZoneId zone;
    private final int retainDays;
    private final Region region;

    private S3Settings(String bucket, String prefix, URI endpoint, boolean gzip, Path logDir, ZoneId zone,
                       int retainDays, Region region) {
        this.bucket = bucket;
        this.prefix = prefix;
        this.endpoint = endpoint;
        this.gzip = gzip;
        this.logDir = logDir;
        this.zone = zone;
        this.retainDays = retainDays;
        this.region = region;
    }

    /** The shipping settings, or empty when {@code AWS_PATH} is unset. */
    public static Optional<S3Settings> from(Settings s) {
        String path = s.get("AWS_PATH");
        if (path == null) {
            return Optional.empty();
        }
        String[] bucketAndPrefix = parsePath(path);
        return Optional.of(new S3Settings(
                bucketAndPrefix[0],
                bucketAndPrefix[1],
                endpoint(s),
                s.getBoolean("S3_GZIP", false),
                s.getPath("LOG_DIR", "./data/logs"),
                s.getZone("TIMEZONE", "UTC"),
                s.getInt("LOG_RETAIN_DAYS", DEFAULT_RETAIN_DAYS, 0, 36_500),
                region(s)));
    }

    /** {@code bucket[/root/folder]}, an optional {@code s3://} in front and a trailing slash tolerated. */
    private static String[] parsePath(String raw) {
        String v = raw.startsWith("s3://") ? raw.substring(5) : raw;
        while (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        int slash = v.indexOf('/');
        String bucket = slash < 0 ? v : v.substring(0, slash);
        String folder = slash < 0 ? "" : v.substring(slash + 1);
        if (!isValidBucket(bucket)) {
            throw Settings.invalid("AWS_PATH", "bucket or bucket/rootfolder, the bucket 3 to 63 characters of [a-z0-9.-]", raw);
        }
        if (!folder.isEmpty()) {
            for (String segment : folder.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || !isPrintableAscii(segment)) {
                    throw Settings.invalid("AWS_PATH", "bucket/rootfolder with non-empty folder names of printable characters", raw);
                }
            }
        }
        return new String[] {bucket, folder.isEmpty() ? "" : folder + "/"};
    }

    static boolean isValidBucket(String b) {
        if (b.length() < 3 || b.length() > 63 || b.contains("..")) {
            return false;
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            boolean inner = c == '-' || c == '.';
            if (!alnum && !(inner && i > 0 && i < b.length() - 1)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static URI endpoint(Settings s) {
        String v = s.get("S3_ENDPOINT");
        if (v == null) {
            return null;
        }
        try {
            URI uri = new URI(v);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getUserInfo() == null && uri.getQuery() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw Settings.invalid("S3_ENDPOINT", "an http:// or https:// URL such as http://localhost:9000", v);
    }

    private static Region region(Settings s) {
        for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String v = s.get(name);
            if (v != null) {
                if (!v.matches("[a-z0-9-]{1,32}")) {
                    throw Settings.invalid(name, "a region such as eu-central-1", v);
                }
                return Region.of(v);
            }
        }
        return null;
    }

    public String bucket() {
        return bucket;
    }

    /** The root folder with a trailing slash, or empty. */
    public String prefix() {
        return prefix;
    }

    /** The S3-compatible endpoint, or null for AWS itself. */
    public URI endpoint() {
        return endpoint;
    }

    public boolean gzip() {
        return gzip;
    }

    public Path logDir() {
        return logDir;
    }

    public ZoneId zone() {
        return zone;
    }

    public int retainDays() {
        return retainDays;
    }

    /** The region named in the settings, or null to ask the SDK's chain. */
    public Region region() {
        return region;
    }

    /** {@code [rootfolder/]year=yyyy/month=MM/day=dd/{file name}[.gz]}: the Athena partition layout. */
    public String keyFor(LogFileName file) {
        var day = file.day();
        return String.format("%syear=%04d/month=%02d/day=%02d/%s%s",
                prefix, day.getYear(), day.getMonthValue(), day.getDayOfMonth(), file, gzip ? ".gz" : "");
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint) + (gzip ? " (gzip)" : "");
    }
}
