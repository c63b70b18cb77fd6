package io.restycounter.app.tls;

import io.restycounter.core.StoreException;
import io.restycounter.core.redis.RedisLink;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
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
 * Talks to the ACME CA: places an order for one host, answers its HTTP-01 challenges while it is pending,
 * and saves the certificate in the {@link CertificateStore}. With a shared Redis, takes the host's lock
 * first and shares the challenge answers, so any node can answer the CA. Blocking: called on the
 * certificate manager's order threads.
 */
final class AcmeClient {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    private static final Duration ACME_TIMEOUT = Duration.ofMinutes(2);

    private final AcmeSettings settings;
    private final Clock clock;
    private final CertificateStore store;
    private final RedisLink shared;
    private final String lockOwner = UUID.randomUUID().toString();
    private final Map<String, String> challenges = new ConcurrentHashMap<>();
    private final AtomicLong ordersPlaced = new AtomicLong();
    private Login login;

    /** @param shared the Redis all nodes share, or null */
    AcmeClient(AcmeSettings settings, Clock clock, CertificateStore store, RedisLink shared) {
        this.settings = settings;
        this.clock = clock;
        this.store = store;
        this.shared = shared;
    }

    long ordersPlaced() {
        return ordersPlaced.get();
    }

    /**
     * The key authorization for an HTTP-01 token of an order in progress here or, when shared and
     * {@code askShared}, on any node.
     */
    String challengeAnswer(String token, boolean askShared) {
        String local = challenges.get(token);
        if (local != null || shared == null || !askShared) {
            return local;
        }
        try {
            return shared.get(CertificateManager.CHALLENGE_PREFIX + token);
        } catch (StoreException e) {
            LOG.warn("ACME challenge {} not readable from {}: {}", token, shared.where(), e.getMessage());
            return null;
        }
    }

    /** The start of the renewal window the CA suggests for {@code leaf}, or null when it offers none. */
    Instant suggestedRenewal(X509Certificate leaf) throws AcmeException, IOException {
        Login l = login();
        if (l.getSession().resourceUrlOptional(Resource.RENEWAL_INFO).isPresent()) {
            return l.bindRenewalInfo(leaf).getSuggestedWindowStart();
        }
        return null;
    }

    /**
     * Orders a certificate for {@code host}; with a shared Redis, only while holding the host's lock, and
     * not at all when another node stored one newer than {@code current} that is not due for renewal.
     */
    CertifiedKey obtain(String host, CertifiedKey current) throws AcmeException, IOException, InterruptedException {
        if (shared == null) {
            return placeOrder(host);
        }
        String lock = CertificateManager.LOCK_PREFIX + host;
        Duration hold = ACME_TIMEOUT.multipliedBy(3);
        long deadline = System.nanoTime() + hold.toNanos();
        while (true) {
            CertifiedKey stored = storedByAnother(host, current);
            if (stored != null) {
                return stored;
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
            CertifiedKey stored = storedByAnother(host, current);
            return stored != null ? stored : placeOrder(host);
        } finally {
            try {
                shared.deleteIfEquals(lock, lockOwner);
            } catch (StoreException e) {
                LOG.warn("could not release {} (it expires): {}", lock, e.getMessage());
            }
        }
    }

    /** A certificate another node stored for {@code host}, newer than {@code current} and not due; or null. */
    private CertifiedKey storedByAnother(String host, CertifiedKey current) throws IOException {
        CertifiedKey stored = store.load(host);
        if (stored != null && (current == null || stored.notAfter().isAfter(current.notAfter()))
                && clock.instant().isBefore(stored.notAfter().minus(settings.renewBefore()))) {
            return stored;
        }
        return null;
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
                        shared.set(CertificateManager.CHALLENGE_PREFIX + challenge.getToken(),
                                challenge.getAuthorization(), ACME_TIMEOUT.multipliedBy(2));
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
                        shared.delete(CertificateManager.CHALLENGE_PREFIX + t);
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
    private static SSLContext trusting(Path pem) throws IOException {
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
}
