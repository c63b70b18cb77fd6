package io.restycounter.app;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA and a server certificate it signed for localhost and 127.0.0.1, as PEM files for servers that tests start. */
final class TestCertificates {

    private TestCertificates() {
    }

    /** Writes {@code ca.pem}, {@code cert.pem} and {@code key.pem} (PKCS#8) into {@code dir}; returns the CA. */
    static X509Certificate writeCaAndServer(Path dir) throws Exception {
        KeyPair caKey = ecKey();
        X509Certificate ca = certificate(new X500Name("CN=resty-counter test CA"), caKey, caKey, null, true);
        KeyPair serverKey = ecKey();
        X509Certificate server = certificate(new X500Name("CN=localhost"), serverKey, caKey, ca, false);
        Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", server.getEncoded()));
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        return ca;
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(X500Name subject, KeyPair key, KeyPair issuerKey,
            X509Certificate issuer, boolean ca) throws Exception {
        Instant now = Instant.now();
        X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
        var b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, new SecureRandom()),
                Date.from(now.minusSeconds(3600)), Date.from(now.plus(Duration.ofDays(30))), subject, key.getPublic());
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
