package io.restycounter.core;

import io.restycounter.core.geoip.GeoIpSettings;
import io.restycounter.core.guard.PixelSigning;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The environment layer of {@link CounterConfig}: turns each named string that is set into its typed
 * value and hands it to the builder's setter. A string that is no value of its type (not a number, a
 * zone, a path, a regular expression) is reported here; ranges and the rules between settings are the
 * builder's. An unset or blank setting leaves the builder's default.
 */
final class ConfigFromSettings {

    private ConfigFromSettings() {
    }

    static <B extends TypedSettings<B>> B read(Settings s, B b) {
        text(s, "REDIS_URL", b::redisUrl);
        text(s, "REDIS_HOST", b::redisHost);
        // Read only where it is used, as it always was: a stray REDIS_PORT beside REDIS_URL never stopped a start.
        if (s.get("REDIS_URL") == null && s.get("REDIS_HOST") != null) {
            integer(s, TypedSettings.REDIS_PORT, b::redisPort);
        }
        text(s, "REDIS_AUTH", b::redisPassword);
        b.redisCluster(s.getBoolean("REDIS_CLUSTER", false));
        integer(s, TypedSettings.REDIS_EXPIRE_DAYS, b::redisExpireDays);
        path(s, "REDIS_TLS_CA", "a path", b::redisTlsCa);
        integer(s, TypedSettings.FLUSH_INTERVAL_MS, ms -> b.flushInterval(Duration.ofMillis(ms)));
        integer(s, TypedSettings.MAX_PENDING_COUNTERS, b::maxPendingCounters);
        text(s, "API_KEY", b::apiKey);
        path(s, "LOG_DIR", "a path", b::logDir);
        integer(s, TypedSettings.LOG_QUEUE_CAPACITY, b::logQueueCapacity);
        text(s, "TIMEZONE", v -> b.timeZone(zone(v)));
        text(s, "NODE_ID", b::nodeId);
        integer(s, TypedSettings.MAX_INCREMENT, b::maxIncrement);
        text(s, "REDIRECT_ALLOWED", v -> b.redirectAllowed(pattern("REDIRECT_ALLOWED", v)));
        integer(s, TypedSettings.RATE_LIMIT, b::rateLimit);
        integer(s, TypedSettings.RATE_BURST, b::rateBurst);
        integer(s, TypedSettings.RATE_LIMIT_CLIENTS, b::rateLimitClients);
        text(s, "TRUSTED_PROXIES", v -> b.trustedProxies(commaList(v)));
        path(s, "GEOIP_DB", "a file system path", b::geoIpDb);
        path(s, "GEOIP_DIR", "a file system path", b::geoIpDir);
        text(s, "GEOIP_EDITIONS", v -> b.geoIpEditions(GeoIpSettings.editionList(v)));
        text(s, "GEOIP_UPDATE_URL", v -> b.geoIpUpdateUrl(GeoIpSettings.parseUpdateUrl(v)));
        text(s, "MAXMIND_ACCOUNT_ID", b::maxMindAccountId);
        text(s, "MAXMIND_LICENSE_KEY", b::maxMindLicenseKey);
        text(s, "SIGNING_KEYS", v -> b.signingKeys(PixelSigning.parseKeys(v)));
        b.countBots(s.getBoolean("COUNT_BOTS", false));
        text(s, "PRIVACY", v -> b.privacy(PrivacyPolicy.parseSignals(v)));
        text(s, "LOG_IP", v -> b.logIp(PrivacyPolicy.parseLogIp(v)));
        b.countPrefetch(s.getBoolean("COUNT_PREFETCH", false));
        integer(s, TypedSettings.BOT_CACHE_SIZE, b::botCacheSize);
        path(s, "ARCHIVE_DIR", "a path", b::archiveDir);
        integer(s, TypedSettings.MAX_RANGE_DAYS, b::maxRangeDays);
        path(s, "TENANT_KEYS", "a path", b::tenantKeysFile);
        text(s, "CORS_ORIGINS", v -> b.corsOrigins(commaList(v)));
        path(s, "TENANTS", "a path", b::tenantsFile);
        b.openTenants(s.getBoolean("OPEN_TENANTS", true));
        integer(s, TypedSettings.MAX_NEW_COUNTERS_PER_DAY, b::maxNewCountersPerDay);
        integer(s, TypedSettings.MAX_HITS_PER_SECOND, b::maxHitsPerSecond);
        text(s, "UNIQUES_PERIOD", v -> b.uniquesPeriod(UniquesPeriod.parse(v)));
        path(s, "UNIQUES_DIR", "a path", b::uniquesDir);
        integer(s, TypedSettings.MAX_PENDING_VISITORS, b::maxPendingVisitors);
        integer(s, TypedSettings.UNIQUES_KEEP_DAYS, b::uniquesKeepDays);
        return b;
    }

    private static void text(Settings s, String name, Consumer<String> setter) {
        String v = s.get(name);
        if (v != null) {
            setter.accept(v);
        }
    }

    private static void integer(Settings s, TypedSettings.IntSetting setting, IntConsumer setter) {
        String v = s.get(setting.name());
        if (v == null) {
            return;
        }
        long parsed;
        try {
            parsed = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw setting.invalid(v);
        }
        if (parsed != (int) parsed) {
            throw setting.invalid(v);
        }
        setter.accept((int) parsed);
    }

    private static void path(Settings s, String name, String expected, Consumer<Path> setter) {
        String v = s.get(name);
        if (v == null) {
            return;
        }
        Path p;
        try {
            p = Path.of(v);
        } catch (InvalidPathException e) {
            throw Settings.invalid(name, expected, v);
        }
        setter.accept(p);
    }

    private static ZoneId zone(String v) {
        try {
            return ZoneId.of(v);
        } catch (DateTimeException e) {
            throw Settings.invalid("TIMEZONE", "a zone id such as UTC or Europe/Berlin", v);
        }
    }

    private static Pattern pattern(String name, String v) {
        try {
            return Pattern.compile(v, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw Settings.invalid(name, "a regular expression", v);
        }
    }

    /** The pieces between commas, blanks kept, so that a message can show the value as it was written. */
    private static List<String> commaList(String v) {
        return List.of(v.split(",", -1));
    }
}
