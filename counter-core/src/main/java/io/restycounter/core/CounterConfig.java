package io.restycounter.core;

import io.restycounter.core.geoip.ClientAddressResolver;
import io.restycounter.core.geoip.GeoIpSettings;
import io.restycounter.core.guard.PixelSigning;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.regex.Pattern;

/**
 * Everything a {@link CounterEngine} needs, checked once. Immutable. Built from typed values with
 * {@link #builder()}, or from the environment's strings with {@link #from(Settings)}; setting names are
 * those of the environment variables, see the README for each one's meaning.
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
    private final PrivacyPolicy privacy;
    private final int botCacheSize;
    private final Path archiveDir;
    private final int maxRangeDays;
    private final Path tenantKeysFile;
    private final java.util.List<String> corsOrigins;
    private final Path tenantsFile;
    private final boolean openTenants;
    private final int maxNewCountersPerDay;
    private final int maxHitsPerSecond;
    private final UniquesPeriod uniquesPeriod;
    private final java.util.function.Function<String, UniquesPeriod> uniquesPeriods;
    private final Path uniquesDir;
    private final int maxPendingVisitors;
    private final int uniquesKeepDays;
    private final java.util.function.Predicate<Hit> privateHits;

    private CounterConfig(Builder b) {
        redisUrl = b.checkedRedisUrl();
        boolean sentinel = b.checkedSentinel(redisUrl);
        redisMode = redisUrl == null ? RedisMode.NONE
                : sentinel ? RedisMode.SENTINEL
                : b.redisCluster || redisUrl.contains(",") ? RedisMode.CLUSTER : RedisMode.STANDALONE;
        redisExpireDays = TypedSettings.REDIS_EXPIRE_DAYS.check(b.redisExpireDays);
        redisTlsCa = b.checkedRedisTlsCa();
        flushInterval = b.checkedFlushInterval();
        maxPendingCounters = TypedSettings.MAX_PENDING_COUNTERS.check(b.maxPendingCounters);
        apiKeyGenerated = b.apiKey == null;
        apiKey = b.checkedApiKey();
        logDir = b.logDir;
        logQueueCapacity = TypedSettings.LOG_QUEUE_CAPACITY.check(b.logQueueCapacity);
        zone = b.zone;
        nodeId = b.checkedNodeId();
        maxIncrement = TypedSettings.MAX_INCREMENT.check(b.maxIncrement);
        redirectAllowed = b.redirectAllowed;
        rateLimit = TypedSettings.RATE_LIMIT.check(b.rateLimit);
        rateBurst = b.checkedRateBurst(rateLimit);
        rateLimitClients = TypedSettings.RATE_LIMIT_CLIENTS.check(b.rateLimitClients);
        clientAddresses = ClientAddressResolver.of(b.trustedProxies);
        geoIp = GeoIpSettings.of(b.geoIpDb, b.geoIpDir, b.geoIpEditions, b.geoIpUpdateUrl, b.maxMindAccountId,
                b.maxMindLicenseKey);
        pixelSigning = PixelSigning.of(b.signingKeys);
        countBots = b.countBots;
        privacy = new PrivacyPolicy(b.privacySignals, b.logIp, b.countPrefetch);
        botCacheSize = TypedSettings.BOT_CACHE_SIZE.check(b.botCacheSize);
        archiveDir = b.archiveDir;
        maxRangeDays = TypedSettings.MAX_RANGE_DAYS.check(b.maxRangeDays);
        tenantKeysFile = b.tenantKeysFile;
        corsOrigins = b.checkedCorsOrigins();
        tenantsFile = b.checkedTenantsFile(redisUrl);
        openTenants = b.openTenants;
        maxNewCountersPerDay = TypedSettings.MAX_NEW_COUNTERS_PER_DAY.check(b.maxNewCountersPerDay);
        maxHitsPerSecond = TypedSettings.MAX_HITS_PER_SECOND.check(b.maxHitsPerSecond);
        uniquesPeriod = b.uniquesPeriod;
        UniquesPeriod everyTenant = uniquesPeriod;
        uniquesPeriods = b.uniquesPeriods != null ? b.uniquesPeriods : tenant -> everyTenant;
        uniquesDir = b.uniquesDir != null ? b.uniquesDir : logDir.resolve("uniques");
        maxPendingVisitors = TypedSettings.MAX_PENDING_VISITORS.check(b.maxPendingVisitors);
        uniquesKeepDays = TypedSettings.UNIQUES_KEEP_DAYS.check(b.uniquesKeepDays);
        privateHits = b.privateHits;
    }

    /** A builder with every setting at its default, the same as an empty environment's. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * From named strings (the environment, system properties, init-params): each is turned into its
     * typed value and handed to a {@link #builder()}, which checks them.
     *
     * @throws ConfigException naming the first bad setting and what it expected
     */
    public static CounterConfig from(Settings settings) {
        return ConfigFromSettings.read(settings, builder()).build();
    }

    /**
     * Typed settings for an embedder: each setter names the environment variable it stands for, and
     * {@link #build()} checks them all with the environment's messages.
     */
    public static final class Builder extends TypedSettings<Builder> {

        private Builder() {
        }

        /**
         * The checked configuration.
         *
         * @throws ConfigException naming the environment variable of the first bad value and what it
         *                         expected; a secret is never shown
         */
        public CounterConfig build() {
            return new CounterConfig(this);
        }
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

    /** The privacy policy of every tenant (PRIVACY, LOG_IP, COUNT_PREFETCH), until a registry says otherwise. */
    public PrivacyPolicy privacy() {
        return privacy;
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

    /** The tenant registry file (TENANTS, default ./data/tenants.toml), or null when the registry is in Redis. */
    public Path tenantsFile() {
        return tenantsFile;
    }

    /** OPEN_TENANTS: whether tenants not in the registry may count and be queried. */
    public boolean openTenants() {
        return openTenants;
    }

    /** MAX_NEW_COUNTERS_PER_DAY: a tenant's new counters a day on a node, when the registry does not say. */
    public int maxNewCountersPerDay() {
        return maxNewCountersPerDay;
    }

    /** MAX_HITS_PER_SECOND: a tenant's hits a second on a node when the registry does not say; 0 is off. */
    public int maxHitsPerSecond() {
        return maxHitsPerSecond;
    }

    /** Origins a browser may query from (CORS_ORIGINS); "*" for any; empty for none. */
    public java.util.List<String> corsOrigins() {
        return corsOrigins;
    }

    /** UNIQUES_PERIOD: the default period of a visitor identity. */
    public UniquesPeriod uniquesPeriod() {
        return uniquesPeriod;
    }

    /** The one seam that says each tenant's uniques period: {@link #uniquesPeriod()} unless a registry set it. */
    public java.util.function.Function<String, UniquesPeriod> uniquesPeriods() {
        return uniquesPeriods;
    }

    /** UNIQUES_DIR: the embedded store's visitor salts and sketches. */
    public Path uniquesDir() {
        return uniquesDir;
    }

    /** MAX_PENDING_VISITORS: visitors that may wait for the next flush. */
    public int maxPendingVisitors() {
        return maxPendingVisitors;
    }

    /** UNIQUES_KEEP_DAYS: days a day's unique-visitor sketches are kept after it. */
    public int uniquesKeepDays() {
        return uniquesKeepDays;
    }

    /**
     * The first day whose unique visitors the store still holds, given {@code today}: UNIQUES_KEEP_DAYS
     * back, and never less than the live window (the embedded store keeps at most 3660 days).
     */
    public java.time.LocalDate uniquesFrom(java.time.LocalDate today) {
        int days = redisUrl == null ? Math.min(uniquesKeepDays, 3660) : uniquesKeepDays;
        java.time.LocalDate kept = days > NEVER_EXPIRE_ABOVE ? java.time.LocalDate.MIN : today.minusDays(days);
        java.time.LocalDate live = liveFrom(today);
        return kept.isBefore(live) ? kept : live;
    }

    /** The privacy seam: counted hits for which this is true join no unique-visitor sketch. */
    public java.util.function.Predicate<Hit> privateHits() {
        return privateHits;
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
