package io.restycounter.app.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** At most ACME_MAX_ORDERS_PER_HOUR certificate orders in any hour, to spare the CA's rate limits. */
final class OrderRateLimit {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    private static final Duration HOUR = Duration.ofHours(1);

    private final int maxOrdersPerHour;
    private final ArrayDeque<Instant> recentOrders = new ArrayDeque<>();
    private Instant lastRateLimitLog = Instant.MIN;

    OrderRateLimit(int maxOrdersPerHour) {
        this.maxOrdersPerHour = maxOrdersPerHour;
    }

    /** Takes a slot for an order placed {@code now}; false (logged once a minute) when the hour is full. */
    synchronized boolean take(Instant now) {
        while (!recentOrders.isEmpty() && !recentOrders.peekFirst().isAfter(now.minus(HOUR))) {
            recentOrders.pollFirst();
        }
        if (recentOrders.size() >= maxOrdersPerHour) {
            if (lastRateLimitLog.isBefore(now.minusSeconds(60))) {
                lastRateLimitLog = now;
                LOG.warn("ACME_MAX_ORDERS_PER_HOUR ({}) reached: no new certificate order before {}",
                        maxOrdersPerHour, recentOrders.peekFirst().plus(HOUR));
            }
            return false;
        }
        recentOrders.addLast(now);
        return true;
    }
}
