package io.restycounter.core;

import io.lettuce.core.RedisURI;
import io.restycounter.core.geoip.ClientAddressResolver;
import io.restycounter.core.geoip.GeoIpSettings;
import io.restycounter.core.guard.PixelSigning;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.LogFileName;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Everything a {@link CounterEngine} needs, parsed and validated once from {@link Settings}. Immutable.
 * Setting names are those of the environment variables; see the README for each one's meaning.
 */
public final class CounterConfig {

    /** A REDIS_EXPIRE_DAYS above this keeps Redis counts forever. */
    public static final int NEVER_EXPIRE_ABOVE = 9999;

    private final String redisUrl;
    private final RedisMode redisMode;
    private final int redisExpireDays;
    private final Path redisTlsCa;
    private final Duration flushInterval;
    private final int maxPendingCounters;
    private final String apiKey;
    private final boolean apiKeyGenerated;
    private final Path logDir;
    private final int logQueueCapacity;
    private final ZoneId zone;
    private final String nodeId;
    private final int maxIncrement;
    private final Pattern redirectAllowed;
    private final int rateLimit;
    private final int rateBurst;
    private final int rateLimitClients;
    private final ClientAddressResolver clientAddresses;
    private final GeoIpSettings geoIp;
    private final PixelSigning pixelSigning;
    private final boolean countBots;
    private final int botCacheSize;
    private final Path archiveDir;
    private final int maxRangeDays;
    private final Path tenantKeysFile;
    private final java.util.List<String> corsOrigins;

    private CounterConfig(Settings s) {
        redisUrl = redisUrl(s);
        redisMode = redisMode(s, redisUrl);
        redisExpireDays = s.getInt("REDIS_EXPIRE_DAYS", 3, 0, Integer.MAX_VALUE);
        redisTlsCa = s.get("REDIS_TLS_CA") == null ? null : s.getPath("REDIS_TLS_CA", null);
        if (redisTlsCa != null && !java.nio.file.Files.isReadable(redisTlsCa)) {
            throw Settings.invalid("REDIS_TLS_CA", "a readable PEM file of CA certificates", redisTlsCa.toString());
        }
        // 100 ms: counts on other nodes lag by at most that; halving it cost 5% of pixel throughput
        // in bench/run (Lettuce encoding a batch per tenant twice as often).
        flushInterval = Duration.ofMillis(s.getInt("FLUSH_INTERVAL_MS", 100, 1, 60_000));
        maxPendingCounters = s.getInt("MAX_PENDING_COUNTERS", 1_000_000, 1, Integer.MAX_VALUE);
        String key = s.get("API_KEY");
        if (key != null && key.length() < 8) {
            throw Settings.invalidSecret("API_KEY", "at least 8 characters");
        }
        apiKeyGenerated = key == null;
        apiKey = key != null ? key : randomKey();
        logDir = s.getPath("LOG_DIR", "./data/logs");
        logQueueCapacity = s.getInt("LOG_QUEUE_CAPACITY", DailyFileHitLog.DEFAULT_QUEUE_CAPACITY, 1, 1 << 24);
        zone = s.getZone("TIMEZONE", "UTC");
        nodeId = s.get("NODE_ID");
        if (nodeId != null && !LogFileName.isValidNode(nodeId)) {
            throw Settings.invalid("NODE_ID", "1 to 64 characters of [A-Za-z0-9_.-]", nodeId);
        }
        maxIncrement = s.getInt("MAX_INCREMENT", 1000, 1, Integer.MAX_VALUE);
        redirectAllowed = pattern(s, "REDIRECT_ALLOWED");
        rateLimit = s.getInt("RATE_LIMIT", 10, 0, 1_000_000);
        rateBurst = s.getInt("RATE_BURST", Math.max(rateLimit, 1), 1, 1_000_000);
        rateLimitClients = s.getInt("RATE_LIMIT_CLIENTS", 100_000, 1, 100_000_000);
        clientAddresses = ClientAddressResolver.from(s);
        geoIp = GeoIpSettings.from(s);
        pixelSigning = PixelSigning.from(s);
        countBots = s.getBoolean("COUNT_BOTS", false);
        botCacheSize = s.getInt("BOT_CACHE_SIZE", 10_000, 0, 10_000_000);
        archiveDir = s.getPath("ARCHIVE_DIR", "./data/archive");
        maxRangeDays = s.getInt("MAX_RANGE_DAYS", 366, 1, 3660);
        tenantKeysFile = s.get("TENANT_KEYS") == null ? null : s.getPath("TENANT_KEYS", null);
        corsOrigins = corsOrigins(s);
    }

    private static java.util.List<String> corsOrigins(Settings s) {
        String v = s.get("CORS_ORIGINS");
        if (v == null) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String one : v.split(",")) {
            String o = one.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
                throw Settings.invalid("CORS_ORIGINS", "* or a comma list of origins such as https://app.example.com", v);
            }
            out.add(o);
        }
        return java.util.List.copyOf(out);
    }

    public static CounterConfig from(Settings settings) {
        return new CounterConfig(settings);
    }

    /** How {@link #redisUrl()} is reached. */
    public enum RedisMode {
        /** No Redis: the embedded store. */
        NONE,
        /** One server. */
        STANDALONE,
        /** A primary found through Redis Sentinel ({@code redis-sentinel://}). */
        SENTINEL,
        /** A Redis Cluster: several comma-separated seed nodes, or REDIS_CLUSTER=true. */
        CLUSTER
    }

    private static final String REDIS_URL_EXPECTED = "redis://host:port or rediss://host:port (comma-separated "
            + "for a cluster), or redis-sentinel://host:port[,host:port]/db#master";

    private static String redisUrl(Settings s) {
        String url = s.get("REDIS_URL");
        String host = s.get("REDIS_HOST");
        if (url != null) {
            if (isSentinel(url)) {
                RedisURI uri = parseRedisUri(url);
                if (uri.getSentinels().isEmpty() || uri.getSentinelMasterId() == null) {
                    throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
                }
                return url;
            }
            for (String one : url.split(",")) {
                URI uri;
                try {
                    uri = new URI(one.trim());
                } catch (URISyntaxException e) {
                    throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
                }
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
                }
                parseRedisUri(one.trim());
            }
            return url;
        }
        if (host == null) {
            return null;
        }
        if (!host.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+]")) {
            throw Settings.invalid("REDIS_HOST", "a host name or IP address", host);
        }
        int port = s.getInt("REDIS_PORT", 6379, 1, 65535);
        String auth = s.get("REDIS_AUTH");
        // URLEncoder is for forms: its '+' for a space would reach Redis as a '+'.
        String userInfo = auth == null ? ""
                : ":" + java.net.URLEncoder.encode(auth, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20") + "@";
        return "redis://" + userInfo + host + ":" + port;
    }

    private static boolean isSentinel(String url) {
        String lower = url.trim().toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://");
    }

    private static RedisURI parseRedisUri(String url) {
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
        }
    }

    private static RedisMode redisMode(Settings s, String url) {
        boolean cluster = s.getBoolean("REDIS_CLUSTER", false);
        if (url == null) {
            return RedisMode.NONE;
        }
        if (isSentinel(url)) {
            if (cluster) {
                throw new ConfigException("REDIS_CLUSTER: expected false with a redis-sentinel:// REDIS_URL, got true");
            }
            return RedisMode.SENTINEL;
        }
        return cluster || url.contains(",") ? RedisMode.CLUSTER : RedisMode.STANDALONE;
    }

    private static Pattern pattern(Settings s, String name) {
        String v = s.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Pattern.compile(v, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw Settings.invalid(name, "a regular expression", v);
        }
    }

    private static String randomKey() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The Redis URL (one, or comma-separated cluster nodes), or null for the embedded store. May hold a password. */
    public String redisUrl() {
        return redisUrl;
    }

    /** Standalone, Sentinel or Cluster; {@link RedisMode#NONE} without Redis. */
    public RedisMode redisMode() {
        return redisMode;
    }

    /** CA certificates (PEM) to trust for {@code rediss://} instead of the JVM's, or null. */
    public Path redisTlsCa() {
        return redisTlsCa;
    }

    /** Days a Redis count outlives its day; above {@link #NEVER_EXPIRE_ABOVE}, never expires. */
    public int redisExpireDays() {
        return redisExpireDays;
    }

    public Duration flushInterval() {
        return flushInterval;
    }

    /** How many distinct (counter, day) deltas may wait unflushed before new ones are refused. */
    public int maxPendingCounters() {
        return maxPendingCounters;
    }

    public String apiKey() {
        return apiKey;
    }

    /** True when API_KEY was not set and {@link #apiKey()} was made at random: print it once. */
    public boolean apiKeyGenerated() {
        return apiKeyGenerated;
    }

    public Path logDir() {
        return logDir;
    }

    public int logQueueCapacity() {
        return logQueueCapacity;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The node id for file names and log lines, or null. */
    public String nodeId() {
        return nodeId;
    }

    /** The largest {@code v} a pixel may add. */
    public int maxIncrement() {
        return maxIncrement;
    }

    /** Hosts that {@code redir} may send to (full match, case-insensitive), or null for none. */
    public Pattern redirectAllowed() {
        return redirectAllowed;
    }

    /** Hits a second one client may send after its burst; 0 turns the limit off. */
    public int rateLimit() {
        return rateLimit;
    }

    public int rateBurst() {
        return rateBurst;
    }

    /** How many clients the rate limiter remembers at most. */
    public int rateLimitClients() {
        return rateLimitClients;
    }

    /** Which X-Forwarded-For hops to believe, from TRUSTED_PROXIES. */
    public ClientAddressResolver clientAddresses() {
        return clientAddresses;
    }

    /** Which tenants' pixels must be signed, and with what (SIGNING_KEYS). */
    public PixelSigning pixelSigning() {
        return pixelSigning;
    }

    /** The GeoIP database and its updates. */
    public GeoIpSettings geoIp() {
        return geoIp;
    }

    /** Whether hits from crawlers and headless browsers count in the live totals (they are always logged). */
    public boolean countBots() {
        return countBots;
    }

    /** How many distinct user agents the bot classifier remembers; 0 classifies every hit afresh. */
    public int botCacheSize() {
        return botCacheSize;
    }

    /** Where the embedded archive keeps its daily totals (ARCHIVE_DIR). */
    public Path archiveDir() {
        return archiveDir;
    }

    /** The longest range a query may ask for, in days (MAX_RANGE_DAYS). */
    public int maxRangeDays() {
        return maxRangeDays;
    }

    /** The TENANT_KEYS file, or null: tenant keys then live in Redis when there is one. */
    public Path tenantKeysFile() {
        return tenantKeysFile;
    }

    /** Origins a browser may query from (CORS_ORIGINS); "*" for any; empty for none. */
    public java.util.List<String> corsOrigins() {
        return corsOrigins;
    }

    /**
     * The first day the live store still holds, given {@code today}: the embedded store rebuilds only
     * today and yesterday at start, Redis keeps a day REDIS_EXPIRE_DAYS after it ends. Older days are
     * read from the archive.
     */
    public java.time.LocalDate liveFrom(java.time.LocalDate today) {
        int days = redisUrl == null ? 1 : Math.min(redisExpireDays, 3660);
        return today.minusDays(days);
    }

    @Override
    public String toString() {
        return "CounterConfig[store=" + (redisUrl == null ? "embedded" : "redis " + redisMode.name().toLowerCase(java.util.Locale.ROOT)) + ", logDir=" + logDir
                + ", zone=" + zone + ", node=" + nodeId + "]";
    }
}
