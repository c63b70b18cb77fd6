package io.restycounter.app.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/** A private key with its certificate chain (leaf first), as served in a TLS handshake. */
public record CertifiedKey(String alias, PrivateKey key, X509Certificate[] chain) {

    public CertifiedKey {
        Objects.requireNonNull(alias);
        Objects.requireNonNull(key);
        if (chain.length == 0) {
            throw new IllegalArgumentException("empty certificate chain for " + alias);
        }
        chain = chain.clone();
    }

    X509Certificate leaf() {
        return chain[0];
    }

    Instant notAfter() {
        return chain[0].getNotAfter().toInstant();
    }

    @Override
    public X509Certificate[] chain() {
        return chain.clone();
    }
}
