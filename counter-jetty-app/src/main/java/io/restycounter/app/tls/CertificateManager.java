package io.restycounter.app.tls;

import io.restycounter.core.StoreException;
import io.restycounter.core.redis.RedisLink;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates by host name: served from memory, ordered from an ACME CA the first time an allowed
 * name is asked for, renewed in the background, kept in a {@link CertificateStore}.
 *
 * <p>Protects the CA's rate limits: one order in flight per host, a cool-down after a failed order,
 * at most {@code maxOrdersPerHour} orders per hour. A Jetty bean: started and stopped with the server.
 *
 * <p>With a {@link RedisLink} (several nodes on one Redis) certificates and challenge answers live in
 * Redis, so a node serves what another ordered and answers the CA's HTTP-01 check for another node's
 * order. A lock per host ({@code SET rc:acme:lock:HOST NX PX}) lets one node order a host at a time; the
 * others wait for the certificate it stores.
 */
public final class CertificateManager extends AbstractLifeCycle {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    private static final Duration ACME_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration RENEWAL_CHECK = Duration.ofHours(1);
    private static final Duration MAX_BACKOFF = Duration.ofDays(1);
    private static final Duration HOUR = Duration.ofHours(1);

    private final AcmeSettings settings;
    private final Clock clock;
    private final CertificateStore store;
    private final RedisLink shared;
    private final String lockOwner = java.util.UUID.randomUUID().toString();
    private final Map<String, CertifiedKey> certs = new ConcurrentHashMap<>();
    private final Map<String, CertifiedKey> replaced = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<CertifiedKey>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Instant> coolingUntil = new ConcurrentHashMap<>();
    private final Map<String, Retry> renewalRetry = new ConcurrentHashMap<>();
    private final Map<String, String> challenges = new ConcurrentHashMap<>();
    private final ArrayDeque<Instant> recentOrders = new ArrayDeque<>();
    private final AtomicLong ordersPlaced = new AtomicLong();
    private volatile Instant lastRateLimitLog = Instant.MIN;
    private volatile CertifiedKey fallback;
    private ExecutorService orderThreads;
    private ScheduledExecutorService renewalThread;
    private Login login;

    private record Retry(int failures, Instant notBefore) {
    }

    public CertificateManager(AcmeSettings settings, Clock clock) {
        this(settings, clock, null);
    }

    /** @param shared the Redis all nodes share, or null: certificates in CERT_DIR, no cross-node lock */
    public CertificateManager(AcmeSettings settings, Clock clock, RedisLink shared) {
        this.settings = settings;
        this.clock = clock;
        this.shared = shared;
        this.store = shared == null ? new CertificateStore(settings.certDir()) : CertificateStore.shared(shared);
    }

    @Override
    protected void doStart() throws Exception {
        fallback = store.fallback(clock);
        certs.putAll(store.loadAll());
        orderThreads = Executors.newFixedThreadPool(2, daemon("acme-order"));
        renewalThread = Executors.newSingleThreadScheduledExecutor(daemon("acme-renewal"));
        renewalThread.scheduleWithFixedDelay(this::renewDue, RENEWAL_CHECK.toMinutes(), RENEWAL_CHECK.toMinutes(),
                TimeUnit.MINUTES);
        LOG.info("automatic HTTPS: {} stored certificate(s) in {}, CA {}", certs.size(), store.where(),
                settings.directory());
    }

    @Override
    protected void doStop() {
        if (renewalThread != null) {
            renewalThread.shutdownNow();
            orderThreads.shutdownNow();
        }
        for (CompletableFuture<CertifiedKey> f : inFlight.values()) {
            f.completeExceptionally(new IllegalStateException("stopped"));
        }
        inFlight.clear();
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
        String local = challenges.get(token);
        if (local != null || shared == null || !isRunning()) {
            return local;
        }
        try {
            return shared.get(CHALLENGE_PREFIX + token);
        } catch (StoreException e) {
            LOG.warn("ACME challenge {} not readable from {}: {}", token, shared.where(), e.getMessage());
            return null;
        }
    }

    /** Orders placed with the CA since start. */
    public long ordersPlaced() {
        return ordersPlaced.get();
    }

    /** Renews every certificate that is due and not backing off; answers the renewals started. */
    public List<CompletableFuture<CertifiedKey>> renewDue() {
        List<CompletableFuture<CertifiedKey>> started = new ArrayList<>();
        try {
            if (shared != null) {
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
            Login l = login();
            if (l.getSession().resourceUrlOptional(Resource.RENEWAL_INFO).isPresent()) {
                Instant suggested = l.bindRenewalInfo(c.leaf()).getSuggestedWindowStart();
                return suggested.isBefore(byAge) ? suggested : byAge;
            }
        } catch (AcmeException | IOException | RuntimeException e) {
            LOG.debug("renewal info for {} unavailable: {}", c.alias(), e.toString());
        }
        return byAge;
    }

    private CompletableFuture<CertifiedKey> order(String host, boolean renewal) {
        CompletableFuture<CertifiedKey> existing = inFlight.get(host);
        if (existing != null || !isRunning()) {
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
            return takeOrderSlot(now) ? created : null;
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

    private boolean takeOrderSlot(Instant now) {
        synchronized (recentOrders) {
            while (!recentOrders.isEmpty() && !recentOrders.peekFirst().isAfter(now.minus(HOUR))) {
                recentOrders.pollFirst();
            }
            if (recentOrders.size() >= settings.maxOrdersPerHour()) {
                if (lastRateLimitLog.isBefore(now.minusSeconds(60))) {
                    lastRateLimitLog = now;
                    LOG.warn("ACME_MAX_ORDERS_PER_HOUR ({}) reached: no new certificate order before {}",
                            settings.maxOrdersPerHour(), recentOrders.peekFirst().plus(HOUR));
                }
                return false;
            }
            recentOrders.addLast(now);
            return true;
        }
    }

    private void run(String host, boolean renewal, CompletableFuture<CertifiedKey> result) {
        try {
            CertifiedKey c = obtain(host);
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

    public static final String LOCK_PREFIX = "rc:acme:lock:";
    public static final String CHALLENGE_PREFIX = "rc:acme:challenge:";

    /**
     * Orders a certificate for {@code host}; with a shared Redis, only while holding the host's lock, and
     * not at all when another node stored one that is not due for renewal.
     */
    private CertifiedKey obtain(String host) throws AcmeException, IOException, InterruptedException {
        if (shared == null) {
            return placeOrder(host);
        }
        CertifiedKey current = certs.get(host);
        String lock = LOCK_PREFIX + host;
        Duration hold = ACME_TIMEOUT.multipliedBy(3);
        long deadline = System.nanoTime() + hold.toNanos();
        while (true) {
            CertifiedKey stored = store.load(host);
            if (stored != null && (current == null || stored.notAfter().isAfter(current.notAfter()))
                    && clock.instant().isBefore(stored.notAfter().minus(settings.renewBefore()))) {
                return stored; // another node ordered it
            }
            if (sharedLock(lock, hold)) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new AcmeException("another node holds " + lock + " and stored no certificate for " + host);
            }
            Thread.sleep(500);
        }
        try {
            CertifiedKey stored = store.load(host);
            if (stored != null && (current == null || stored.notAfter().isAfter(current.notAfter()))
                    && clock.instant().isBefore(stored.notAfter().minus(settings.renewBefore()))) {
                return stored;
            }
            return placeOrder(host);
        } finally {
            try {
                shared.deleteIfEquals(lock, lockOwner);
            } catch (StoreException e) {
                LOG.warn("could not release {} (it expires): {}", lock, e.getMessage());
            }
        }
    }

    private boolean sharedLock(String lock, Duration hold) throws IOException {
        try {
            return shared.setIfAbsent(lock, lockOwner, hold);
        } catch (StoreException e) {
            throw new IOException("cannot take " + lock + ": " + e.getMessage(), e);
        }
    }

    private CertifiedKey placeOrder(String host) throws AcmeException, IOException, InterruptedException {
        Login l = login();
        Order order = l.newOrder().domain(host).create();
        ordersPlaced.incrementAndGet();
        List<String> tokens = new ArrayList<>();
        try {
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) {
                    continue;
                }
                Http01Challenge challenge = auth.findChallenge(Http01Challenge.class)
                        .orElseThrow(() -> new AcmeException("the CA offers no http-01 challenge"));
                challenges.put(challenge.getToken(), challenge.getAuthorization());
                tokens.add(challenge.getToken());
                if (shared != null) {
                    try {
                        shared.set(CHALLENGE_PREFIX + challenge.getToken(), challenge.getAuthorization(),
                                ACME_TIMEOUT.multipliedBy(2));
                    } catch (StoreException e) {
                        throw new IOException("cannot share the challenge answer: " + e.getMessage(), e);
                    }
                }
                challenge.trigger();
                Status s = challenge.waitForCompletion(ACME_TIMEOUT);
                if (s != Status.VALID) {
                    throw new AcmeException("http-01 challenge " + s + describe(challenge.getError().orElse(null)));
                }
            }
        } finally {
            tokens.forEach(challenges::remove);
            if (shared != null) {
                for (String t : tokens) {
                    try {
                        shared.delete(CHALLENGE_PREFIX + t);
                    } catch (StoreException e) {
                        LOG.debug("challenge {} stays until it expires: {}", t, e.getMessage());
                    }
                }
            }
        }
        KeyPair domainKey = CertificateStore.newKey();
        order.execute(domainKey);
        Status s = order.waitForCompletion(ACME_TIMEOUT);
        if (s != Status.VALID) {
            throw new AcmeException("order " + s + describe(order.getError().orElse(null)));
        }
        List<X509Certificate> chain = order.getCertificate().getCertificateChain();
        return store.save(host, domainKey, chain);
    }

    private static String describe(Problem p) {
        if (p == null) {
            return "";
        }
        return ": " + p.getDetail().orElse(p.getType().toString());
    }

    private synchronized Login login() throws AcmeException, IOException {
        if (login == null) {
            KeyPair key = store.accountKey();
            AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
            if (settings.email() != null) {
                account.addEmail(settings.email());
            }
            login = account.createLogin(session());
        }
        return login;
    }

    private Session session() throws IOException {
        if (settings.trustedCerts() == null) {
            return new Session(settings.directory());
        }
        SSLContext tls = trusting(settings.trustedCerts());
        return new Session(settings.directory(), new GenericAcmeProvider() {
            @Override
            public HttpClient createHttpClient(NetworkSettings network) {
                HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(network.getTimeout()).proxy(network.getProxySelector()).sslContext(tls);
                if (network.getAuthenticator() != null) {
                    b.authenticator(network.getAuthenticator());
                }
                return b.build();
            }
        });
    }

    /** A TLS context trusting the JDK's CAs and the certificates of a PEM file. */
    private static SSLContext trusting(java.nio.file.Path pem) throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int n = 0;
            for (var tm : jdk.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        trust.setCertificateEntry("jdk-" + n++, c);
                    }
                }
            }
            try (InputStream in = Files.newInputStream(pem)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("extra-" + n++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("ACME_TRUSTED_CERTS " + pem + ": " + e.getMessage(), e);
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
