package io.restycounter.core;

import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ua_parser.Parser;

/**
 * Tells crawlers and headless browsers by their User-Agent, from uap-core's maintained list (as
 * packaged by uap-java): device family {@code Spider}, or a browser family starting {@code Headless}.
 * A miss costs a walk over a few hundred regular expressions, so answers are remembered per
 * user-agent string, at most {@code cacheSize} of them (the memory is emptied when full).
 */
final class BotDetector {

    private static final Logger LOG = LoggerFactory.getLogger(BotDetector.class);
    /** Longer strings are classified but not remembered, so a client cannot fill the cache with junk. */
    private static final int MAX_CACHED_LENGTH = 512;

    private final Parser parser;
    private final int cacheSize;
    private final ConcurrentHashMap<String, Boolean> cache = new ConcurrentHashMap<>();

    BotDetector(int cacheSize) {
        this.parser = new Parser();
        this.cacheSize = cacheSize;
    }

    boolean isBot(String userAgent) {
        if (userAgent == null || userAgent.isEmpty()) {
            return false;
        }
        Boolean known = cache.get(userAgent);
        if (known != null) {
            return known;
        }
        boolean bot = classify(userAgent);
        if (cacheSize > 0 && userAgent.length() <= MAX_CACHED_LENGTH) {
            if (cache.size() >= cacheSize) {
                cache.clear();
            }
            cache.put(userAgent, bot);
        }
        return bot;
    }

    private boolean classify(String userAgent) {
        try {
            if ("Spider".equals(parser.parseDevice(userAgent).family)) {
                return true;
            }
            if (!userAgent.contains("Headless")) {
                return false;
            }
            String family = parser.parseUserAgent(userAgent).family;
            return family != null && family.startsWith("Headless");
        } catch (RuntimeException | StackOverflowError e) {
            // A parser bug must not cost the hit: count it as a person.
            LOG.debug("user agent not classified: {}", e.toString());
            return false;
        }
    }
}
