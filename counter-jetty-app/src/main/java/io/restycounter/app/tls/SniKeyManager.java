package io.restycounter.app.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the server certificate by the SNI host name of each handshake, from a
 * {@link CertificateManager}: a map lookup once issued, so a renewed certificate is served at once.
 */
final class SniKeyManager extends X509ExtendedKeyManager {

    /** Set on a handshake session once it waited for an order, so it waits at most once. */
    private static final String WAITED = "io.restycounter.acme.waited";

    private final CertificateManager certificates;

    SniKeyManager(CertificateManager certificates) {
        this.certificates = certificates;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket s ? s.getHandshakeSession() : null);
    }

    private String choose(String keyType, SSLSession session) {
        boolean mayWait = session == null || session.getValue(WAITED) == null;
        CertifiedKey c = certificates.select(sniHost(session), mayWait);
        if (session != null && mayWait) {
            session.putValue(WAITED, Boolean.TRUE);
        }
        if (c == null || !c.key().getAlgorithm().equals(keyType)) {
            return null;
        }
        return CertificateManager.aliasOf(c);
    }

    static String sniHost(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession extended)) {
            return null;
        }
        for (SNIServerName name : extended.getRequestedServerNames()) {
            if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                String host = name instanceof SNIHostName h ? h.getAsciiName()
                        : new SNIHostName(name.getEncoded()).getAsciiName();
                if (host.endsWith(".")) {
                    host = host.substring(0, host.length() - 1);
                }
                return host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertifiedKey c = alias == null ? null : certificates.byAlias(alias);
        return c == null ? null : c.chain();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertifiedKey c = alias == null ? null : certificates.byAlias(alias);
        return c == null ? null : c.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
