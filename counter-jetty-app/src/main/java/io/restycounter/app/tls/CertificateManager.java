package io.restycounter.app.tls;

import io.restycounter.core.Lifecycle;
import io.restycounter.core.redis.RedisLink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.shredzone.acme4j.exception.AcmeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates by host name: served from memory, ordered from an ACME CA ({@code AcmeClient}) the first
 * time an allowed name is asked for, renewed in the background, kept in a {@link CertificateStore}.
 *
 * <p>Protects the CA's rate limits: one order in flight per host, a cool-down after a failed order,
 * at most {@code maxOrdersPerHour} orders per hour ({@code OrderRateLimit}).
 *
 * <p>With a {@link RedisLink} (several nodes on one Redis) certificates and challenge answers live in
 * Redis, so a node serves what another ordered and answers the CA's HTTP-01 check for another node's
 * order. A lock per host ({@code SET rc:acme:lock:HOST NX PX}) lets one node order a host at a time; the
 * others wait for the certificate it stores.
 *
 * <p>A {@link Lifecycle}, started and stopped by the server: {@link #start()} loads the stored certificates
 * and starts the threads {@code acme-order-N} (orders) and {@code acme-renewal-1} (an hourly renewal
 * check). {@link #stop()} fails the orders in flight, interrupts both and waits up to {@link #STOP_WAIT}
 * (10 s) for them to end; a thread still busy then is logged and left.
 */
public final class CertificateManager implements Lifecycle {

    public static final String LOCK_PREFIX = "rc:acme:lock:";
    public static final String CHALLENGE_PREFIX = "rc:acme:challenge:";
    /** How long {@link #stop()} waits for the order and renewal threads to end. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    private static final Duration RENEWAL_CHECK = Duration.ofHours(1);
    private static final Duration MAX_BACKOFF = Duration.ofDays(1);

    private final AcmeSettings settings;
    private final Clock clock;
    private final CertificateStore store;
    private final boolean sharedStore;
    private final AcmeClient acme;
    private final OrderRateLimit orderLimit;
    private final Map<String, CertifiedKey> certs = new ConcurrentHashMap<>();
    private final Map<String, CertifiedKey> replaced = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<CertifiedKey>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Instant> coolingUntil = new ConcurrentHashMap<>();
    private final Map<String, Retry> renewalRetry = new ConcurrentHashMap<>();
    private volatile CertifiedKey fallback;
    private volatile boolean running;
    private volatile ExecutorService orderThreads;
    private ScheduledExecutorService renewalThread;

    private record Retry(int failures, Instant notBefore) {
    }

    public CertificateManager(AcmeSettings settings, Clock clock) {
        this(settings, clock, null);
    }

    /** @param shared the Redis all nodes share, or null: certificates in CERT_DIR, no cross-node lock */
    public CertificateManager(AcmeSettings settings, Clock clock, RedisLink shared) {
        this.settings = settings;
        this.clock = clock;
        this.sharedStore = shared != null;
        this.store = shared == null ? new CertificateStore(settings.certDir()) : CertificateStore.shared(shared);
        this.acme = new AcmeClient(settings, clock, store, shared);
        this.orderLimit = new OrderRateLimit(settings.maxOrdersPerHour());
    }

    /**
     * Loads the stored certificates and starts ordering and renewing; a second call does nothing.
     *
     * @throws UncheckedIOException when the store cannot be read; nothing is started then
     */
    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        try {
            fallback = store.fallback(clock);
            certs.putAll(store.loadAll());
        } catch (IOException e) {
            throw new UncheckedIOException("certificates in " + store.where() + ": " + e.getMessage(), e);
        }
        orderThreads = Executors.newFixedThreadPool(2, daemon("acme-order"));
        renewalThread = Executors.newSingleThreadScheduledExecutor(daemon("acme-renewal"));
        renewalThread.scheduleWithFixedDelay(this::renewDue, RENEWAL_CHECK.toMinutes(), RENEWAL_CHECK.toMinutes(),
                TimeUnit.MINUTES);
        running = true;
        LOG.info("automatic HTTPS: {} stored certificate(s) in {}, CA {}", certs.size(), store.where(),
                settings.directory());
    }

    /** Fails the orders in flight and ends the threads, waiting up to {@link #STOP_WAIT}; a second call does nothing. */
    @Override
    public void stop() {
        ExecutorService orders;
        ExecutorService renewal;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            orders = orderThreads;
            renewal = renewalThread;
        }
        renewal.shutdownNow();
        orders.shutdownNow();
        for (CompletableFuture<CertifiedKey> f : inFlight.values()) {
            f.completeExceptionally(new IllegalStateException("stopped"));
        }
        inFlight.clear();
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        try {
            boolean ended = renewal.awaitTermination(STOP_WAIT.toNanos(), TimeUnit.NANOSECONDS)
                    && orders.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!ended) {
                LOG.warn("certificates: an order or renewal is still running after {} s; it is left to end",
                        STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True between {@link #start()} and {@link #stop()}. */
    public boolean isRunning() {
        return running;
    }

    /** Orders the ACME_DOMAINS that have no certificate yet and renews what is due; call once serving. */
    public void orderAhead() {
        for (String host : settings.aheadDomains()) {
            if (!certs.containsKey(host)) {
                order(host, false);
            }
        }
        renewDue();
    }

    /**
     * The certificate to serve for an SNI host name (null: none sent). A map lookup once issued; for an
     * allowed name without one, places or joins its order and waits for it up to the configured bound.
     */
    CertifiedKey select(String sniHost, boolean mayWait) {
        if (sniHost == null) {
            return fallback;
        }
        String host = sniHost.toLowerCase(Locale.ROOT);
        CertifiedKey c = certs.get(host);
        if (c != null) {
            return c;
        }
        if (!mayWait || !settings.allows(host)) {
            return fallback;
        }
        CompletableFuture<CertifiedKey> f = order(host, false);
        if (f == null) {
            return fallback;
        }
        try {
            return f.get(settings.orderWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.info("certificate for {} not ready after {}s; serving the fallback meanwhile", host,
                    settings.orderWait().toSeconds());
        } catch (ExecutionException e) {
            // logged once by the order itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fallback;
    }

    /** The certificate a key manager alias names: the current one of its host, or the one it just replaced. */
    CertifiedKey byAlias(String alias) {
        CertifiedKey f = fallback;
        if (f != null && f.alias().equals(alias)) {
            return f;
        }
        int slash = alias.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String host = alias.substring(0, slash);
        for (CertifiedKey c : new CertifiedKey[] {certs.get(host), replaced.get(host)}) {
            if (c != null && aliasOf(c).equals(alias)) {
                return c;
            }
        }
        return null;
    }

    static String aliasOf(CertifiedKey c) {
        return CertificateStore.FALLBACK.equals(c.alias()) ? c.alias()
                : c.alias() + "/" + c.leaf().getSerialNumber().toString(16);
    }

    /** The key authorization for an HTTP-01 token of an order in progress, or null. */
    String challengeAnswer(String token) {
        return acme.challengeAnswer(token, running);
    }

    /** Orders placed with the CA since start. */
    public long ordersPlaced() {
        return acme.ordersPlaced();
    }

    /** When each host's certificate in service expires, for metrics. */
    public Map<String, Instant> expiries() {
        Map<String, Instant> out = new java.util.TreeMap<>();
        certs.forEach((host, c) -> out.put(host, c.notAfter()));
        return out;
    }

    /** Renews every certificate that is due and not backing off; answers the renewals started. */
    public List<CompletableFuture<CertifiedKey>> renewDue() {
        List<CompletableFuture<CertifiedKey>> started = new ArrayList<>();
        try {
            if (sharedStore) {
                adoptShared();
            }
            Instant now = clock.instant();
            for (CertifiedKey c : List.copyOf(certs.values())) {
                String host = c.alias();
                Retry retry = renewalRetry.get(host);
                if (retry != null && now.isBefore(retry.notBefore())) {
                    continue;
                }
                if (now.isBefore(renewalTime(c))) {
                    continue;
                }
                CompletableFuture<CertifiedKey> f = order(host, true);
                if (f != null) {
                    started.add(f);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("certificate renewal check failed: {}", e.toString());
        }
        return started;
    }

    /** Serves the certificates other nodes stored since, where they are newer than this node's. */
    private void adoptShared() {
        try {
            for (Map.Entry<String, CertifiedKey> e : store.loadAll().entrySet()) {
                CertifiedKey mine = certs.get(e.getKey());
                if (mine == null || e.getValue().notAfter().isAfter(mine.notAfter())) {
                    CertifiedKey old = certs.put(e.getKey(), e.getValue());
                    if (old != null) {
                        replaced.put(e.getKey(), old);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("shared certificates not readable: {}", e.getMessage());
        }
    }

    /** 30 days (ACME_RENEW_DAYS) before expiry, or earlier when the CA's renewal info says so. */
    private Instant renewalTime(CertifiedKey c) {
        Instant byAge = c.notAfter().minus(settings.renewBefore());
        if (!clock.instant().isBefore(byAge)) {
            return byAge;
        }
        try {
            Instant suggested = acme.suggestedRenewal(c.leaf());
            if (suggested != null) {
                return suggested.isBefore(byAge) ? suggested : byAge;
            }
        } catch (AcmeException | IOException | RuntimeException e) {
            LOG.debug("renewal info for {} unavailable: {}", c.alias(), e.toString());
        }
        return byAge;
    }

    private CompletableFuture<CertifiedKey> order(String host, boolean renewal) {
        CompletableFuture<CertifiedKey> existing = inFlight.get(host);
        if (existing != null || !running) {
            return existing;
        }
        CompletableFuture<CertifiedKey> created = new CompletableFuture<>();
        CompletableFuture<CertifiedKey> f = inFlight.compute(host, (h, current) -> {
            if (current != null) {
                return current;
            }
            Instant now = clock.instant();
            if (!renewal) {
                if (certs.containsKey(h)) {
                    return null;
                }
                Instant until = coolingUntil.get(h);
                if (until != null && now.isBefore(until)) {
                    return null;
                }
            }
            return orderLimit.take(now) ? created : null;
        });
        if (f == null) {
            CertifiedKey issued = certs.get(host);
            return renewal || issued == null ? null : CompletableFuture.completedFuture(issued);
        }
        if (f == created) {
            try {
                orderThreads.execute(() -> run(host, renewal, created));
            } catch (RejectedExecutionException e) {
                inFlight.remove(host, created);
                created.completeExceptionally(e);
            }
        }
        return f;
    }

    private void run(String host, boolean renewal, CompletableFuture<CertifiedKey> result) {
        try {
            CertifiedKey c = acme.obtain(host, certs.get(host));
            CertifiedKey old = certs.put(host, c);
            if (old != null) {
                replaced.put(host, old);
            }
            coolingUntil.remove(host);
            renewalRetry.remove(host);
            inFlight.remove(host, result);
            result.complete(c);
            LOG.info("certificate for {} {}, valid until {}", host, renewal ? "renewed" : "issued", c.notAfter());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failed(host, renewal, e);
            inFlight.remove(host, result);
            result.completeExceptionally(e);
        }
    }

    private void failed(String host, boolean renewal, Exception e) {
        Instant now = clock.instant();
        String why = e.getMessage() != null ? e.getMessage() : e.toString();
        if (renewal) {
            Retry previous = renewalRetry.get(host);
            int failures = previous == null ? 1 : previous.failures() + 1;
            Duration wait = settings.failureCooldown().multipliedBy(1L << Math.min(failures - 1, 10));
            if (wait.compareTo(MAX_BACKOFF) > 0) {
                wait = MAX_BACKOFF;
            }
            Retry next = new Retry(failures, now.plus(wait));
            renewalRetry.put(host, next);
            CertifiedKey current = certs.get(host);
            LOG.warn("certificate renewal for {} failed ({}); the current certificate, valid until {}, keeps serving;"
                    + " next try after {}", host, why, current == null ? "?" : current.notAfter(), next.notBefore());
        } else {
            Instant until = now.plus(settings.failureCooldown());
            coolingUntil.put(host, until);
            LOG.warn("certificate order for {} failed ({}); serving the fallback certificate, no new order before {}",
                    host, why, until);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
