package io.restycounter.core;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** REDIS_URL, or REDIS_HOST, REDIS_PORT and REDIS_AUTH, checked into the one URL the store connects to. */
final class RedisUrlCheck {

    private static final String REDIS_URL_EXPECTED = "redis://host:port or rediss://host:port (comma-separated "
            + "for a cluster), or redis-sentinel://host:port[,host:port]/db#master";

    private RedisUrlCheck() {
    }

    /** The Redis URL to use, from REDIS_URL or else the host, port and password; null for none. */
    static String url(String redisUrl, String redisHost, int port, String redisPassword) {
        if (redisUrl != null) {
            if (isSentinel(redisUrl)) {
                RedisURI uri = parseRedisUri(redisUrl);
                if (uri.getSentinels().isEmpty() || uri.getSentinelMasterId() == null) {
                    throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
                }
                return redisUrl;
            }
            for (String one : redisUrl.split(",")) {
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
            return redisUrl;
        }
        if (redisHost == null) {
            return null;
        }
        if (!redisHost.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+]")) {
            throw Settings.invalid("REDIS_HOST", "a host name or IP address", redisHost);
        }
        // URLEncoder is for forms: its '+' for a space would reach Redis as a '+'.
        String userInfo = redisPassword == null ? ""
                : ":" + java.net.URLEncoder.encode(redisPassword, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20") + "@";
        return "redis://" + userInfo + redisHost + ":" + port;
    }

    /** Whether {@code url} (checked) reaches a Sentinel; refuses REDIS_CLUSTER with one. */
    static boolean sentinel(String url, boolean redisCluster) {
        if (url == null || !isSentinel(url)) {
            return false;
        }
        if (redisCluster) {
            throw new ConfigException("REDIS_CLUSTER: expected false with a redis-sentinel:// REDIS_URL, got true");
        }
        return true;
    }

    static boolean isSentinel(String url) {
        String lower = url.trim().toLowerCase(Locale.ROOT);
        return lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://");
    }

    private static RedisURI parseRedisUri(String url) {
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            throw Settings.invalidSecret("REDIS_URL", REDIS_URL_EXPECTED);
        }
    }
}
