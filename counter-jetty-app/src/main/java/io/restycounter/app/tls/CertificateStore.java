package io.restycounter.app.tls;

import io.restycounter.core.StoreException;
import io.restycounter.core.AtomicFiles;
import io.restycounter.core.FileErrors;
import io.restycounter.core.redis.RedisLink;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates: {@code account.key}, {@code fallback.key} + {@code fallback.crt}, and per host
 * {@code HOST.key} + {@code HOST.crt} (the chain, leaf first), as PEM. Kept in CERT_DIR (each file written
 * to a temporary file and moved into place; keys readable by the owner only), or, when several nodes
 * share a Redis, in Redis under {@code rc:acme:file:NAME} so that every node serves what one ordered.
 */
final class CertificateStore {

    /** Where the PEM texts live. */
    interface Storage {
        /** The text of {@code name}, or null when absent. */
        String read(String name) throws IOException;

        void write(String name, String content, boolean secret) throws IOException;

        /** Names of every stored {@code .crt}. */
        List<String> certificateNames() throws IOException;

        void prepare() throws IOException;

        String where();
    }

    private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);
    static final String FALLBACK = "fallback";
    private static final String ACCOUNT = "account";
    private static final String EC_CURVE = "secp256r1";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private final Storage storage;

    CertificateStore(Path dir) {
        this(new Directory(dir));
    }

    CertificateStore(Storage storage) {
        this.storage = storage;
    }

    /** Certificates in a Redis that all nodes share. */
    static CertificateStore shared(RedisLink redis) {
        return new CertificateStore(new Redis(redis));
    }

    /** CERT_DIR. */
    private static final class Directory implements Storage {

        private final Path dir;

        Directory(Path dir) {
            this.dir = dir;
        }

        @Override
        public String read(String name) throws IOException {
            Path file = dir.resolve(name);
            return Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII) : null;
        }

        @Override
        public void write(String name, String content, boolean secret) throws IOException {
            writeAtomically(dir.resolve(name), content, secret ? OWNER_ONLY : WORLD_READABLE);
        }

        @Override
        public List<String> certificateNames() throws IOException {
            List<String> out = new ArrayList<>();
            if (!Files.isDirectory(dir)) {
                return out;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
                for (Path f : files) {
                    out.add(f.getFileName().toString());
                }
            }
            return out;
        }

        @Override
        public String where() {
            return dir.toString();
        }

        @Override
        public void prepare() throws IOException {
            createDirectory();
        }

        private void createDirectory() throws IOException {
            try {
                if (POSIX && !Files.isDirectory(dir)) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                throw new IOException("CERT_DIR: " + FileErrors.cannotCreate(dir, e), e);
            }
        }

        private void writeAtomically(Path file, String content, Set<PosixFilePermission> permissions)
                throws IOException {
            FileAttribute<?>[] attrs = POSIX
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                    : new FileAttribute<?>[0];
            AtomicFiles.write(file, content, attrs);
        }
    }

    /** Redis: {@code rc:acme:file:NAME} per file and the set {@code rc:acme:files} of certificate names. */
    private static final class Redis implements Storage {

        private static final String PREFIX = "rc:acme:file:";
        private static final String CERTIFICATES = "rc:acme:files";
        private final RedisLink redis;

        Redis(RedisLink redis) {
            this.redis = redis;
        }

        @Override
        public String read(String name) throws IOException {
            try {
                return redis.get(PREFIX + name);
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void write(String name, String content, boolean secret) throws IOException {
            try {
                redis.set(PREFIX + name, content, null);
                if (name.endsWith(".crt")) {
                    redis.addToSet(CERTIFICATES, name);
                }
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public List<String> certificateNames() throws IOException {
            try {
                return new ArrayList<>(redis.members(CERTIFICATES));
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void prepare() {
        }

        @Override
        public String where() {
            return redis.where();
        }
    }

    String where() {
        return storage.where();
    }

    /** A new P-256 key pair, from the JDK's provider (no BouncyCastle provider needs registering). */
    static KeyPair newKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(EC_CURVE));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC " + EC_CURVE + " key generator in this JDK", e);
        }
    }

    /** The ACME account key, made and stored on first use. */
    KeyPair accountKey() throws IOException {
        String stored = storage.read(ACCOUNT + ".key");
        if (stored != null) {
            return readKeyPair(ACCOUNT + ".key", stored);
        }
        KeyPair key = newKey();
        writeKeyPair(ACCOUNT + ".key", key);
        return key;
    }

    /** The self-signed certificate for names that get no certificate of their own; made once. */
    CertifiedKey fallback(Clock clock) throws IOException {
        storage.prepare();
        CertifiedKey stored = load(FALLBACK);
        if (stored != null) {
            return stored;
        }
        KeyPair key = newKey();
        X509Certificate cert = selfSigned(key, clock.instant());
        return save(FALLBACK, key, List.of(cert));
    }

    /** Every stored host certificate whose key matches, by host name. */
    Map<String, CertifiedKey> loadAll() throws IOException {
        Map<String, CertifiedKey> out = new HashMap<>();
        for (String name : storage.certificateNames()) {
            String host = name.substring(0, name.length() - ".crt".length());
            if (!AcmeSettings.isHostName(host)) {
                continue;
            }
            CertifiedKey c = load(host);
            if (c != null) {
                out.put(host, c);
            }
        }
        return out;
    }

    /** The stored key and chain of {@code alias}, or null when absent or not matching each other. */
    CertifiedKey load(String alias) throws IOException {
        String crtFile = alias + ".crt";
        String keyPem = storage.read(alias + ".key");
        String crtPem = storage.read(crtFile);
        if (keyPem == null || crtPem == null) {
            return null;
        }
        try {
            KeyPair key = readKeyPair(alias + ".key", keyPem);
            X509Certificate[] chain = readChain(crtPem);
            if (chain.length == 0
                    || !Arrays.equals(chain[0].getPublicKey().getEncoded(), key.getPublic().getEncoded())) {
                LOG.warn("{}: the certificate does not match its key; ignored", crtFile);
                return null;
            }
            return new CertifiedKey(alias, key.getPrivate(), chain);
        } catch (IOException | CertificateException | RuntimeException e) {
            LOG.warn("{}: unreadable ({}); ignored", crtFile, e.toString());
            return null;
        }
    }

    /** Stores a key and its chain, the key first, and answers them as served. */
    CertifiedKey save(String alias, KeyPair key, List<X509Certificate> chain) throws IOException {
        writeKeyPair(alias + ".key", key);
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate c : chain) {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            }
        } catch (CertificateException e) {
            throw new IOException("cannot encode the certificate of " + alias, e);
        }
        storage.write(alias + ".crt", pem.toString(), false);
        return new CertifiedKey(alias, key.getPrivate(), chain.toArray(new X509Certificate[0]));
    }

    private static X509Certificate[] readChain(String pem) throws IOException, CertificateException {
        try (var in = new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            return out.toArray(new X509Certificate[0]);
        }
    }

    /** A key file: the private key (PKCS#8) then the public key (X.509), both PEM, as OpenSSL reads them. */
    private static KeyPair readKeyPair(String file, String pem) throws IOException {
        byte[] privateKey = pemBlock(pem, "PRIVATE KEY");
        byte[] publicKey = pemBlock(pem, "PUBLIC KEY");
        if (privateKey == null || publicKey == null) {
            throw new IOException(file + ": expected a PRIVATE KEY and a PUBLIC KEY block");
        }
        try {
            KeyFactory ec = KeyFactory.getInstance("EC");
            return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(publicKey)),
                    ec.generatePrivate(new PKCS8EncodedKeySpec(privateKey)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an EC key pair: " + e.getMessage(), e);
        }
    }

    private static byte[] pemBlock(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END " + type + "-----");
        if (from < 0 || to < from) {
            return null;
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private void writeKeyPair(String name, KeyPair key) throws IOException {
        storage.write(name, pem("PRIVATE KEY", key.getPrivate().getEncoded())
                + pem("PUBLIC KEY", key.getPublic().getEncoded()), true);
    }

    private static X509Certificate selfSigned(KeyPair key, Instant now) throws IOException {
        X500Name name = new X500Name("CN=resty-counter fallback certificate");
        try {
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))),
                    name, key.getPublic());
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IOException("cannot make the fallback certificate", e);
        }
    }
}
