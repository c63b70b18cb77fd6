package io.restycounter.app.tls;

import io.restycounter.core.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Settings of automatic HTTPS: which host names get certificates, from which ACME server, kept
 * where. Parsed once; every error names its variable.
 *
 * @param allowedDomains full-match, case-insensitive pattern of names ordered on demand; null: none
 * @param aheadDomains names ordered at start, whether or not they match {@code allowedDomains}
 * @param trustedCerts PEM certificates trusted for the ACME server's HTTPS besides the JDK's; null: none
 */
public record AcmeSettings(Pattern allowedDomains, List<String> aheadDomains, URI directory, String email,
        Path certDir, Path trustedCerts, Duration orderWait, Duration failureCooldown, int maxOrdersPerHour,
        Duration renewBefore) {

    static final String PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
    static final String STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    public AcmeSettings {
        aheadDomains = List.copyOf(aheadDomains);
    }

    /** Reads the settings; a bad value throws {@link io.restycounter.core.ConfigException} naming it. */
    public static AcmeSettings from(Settings s) {
        Pattern allowed = null;
        String regex = s.get("ALLOWED_DOMAINS");
        if (regex != null) {
            try {
                allowed = Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw Settings.invalid("ALLOWED_DOMAINS", "a regular expression", regex);
            }
        }
        List<String> ahead = new ArrayList<>();
        String list = s.get("ACME_DOMAINS");
        if (list != null) {
            for (String d : list.split(",")) {
                String name = d.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                if (!isHostName(name)) {
                    throw Settings.invalid("ACME_DOMAINS", "a comma list of DNS host names", d.trim());
                }
                ahead.add(name);
            }
        }
        String email = s.get("ACME_EMAIL");
        if (email != null && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw Settings.invalid("ACME_EMAIL", "an email address", email);
        }
        Path trusted = null;
        String trustedName = s.get("ACME_TRUSTED_CERTS");
        if (trustedName != null) {
            trusted = Path.of(trustedName);
            if (!Files.isReadable(trusted)) {
                throw Settings.invalid("ACME_TRUSTED_CERTS", "a readable PEM file", trustedName);
            }
        }
        return new AcmeSettings(allowed, ahead, directory(s.get("ACME_DIRECTORY", "production")), email,
                Path.of(s.get("CERT_DIR", "./data/certs")), trusted,
                Duration.ofSeconds(s.getInt("ACME_ORDER_WAIT_SECONDS", 30, 1, 600)),
                Duration.ofMinutes(s.getInt("ACME_RETRY_AFTER_MINUTES", 60, 1, 7 * 24 * 60)),
                s.getInt("ACME_MAX_ORDERS_PER_HOUR", 20, 1, 1000),
                Duration.ofDays(s.getInt("ACME_RENEW_DAYS", 30, 1, 60)));
    }

    private static URI directory(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "production":
                return URI.create(PRODUCTION);
            case "staging":
                return URI.create(STAGING);
            default:
                break;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null
                    || scheme.equals("acme")) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw Settings.invalid("ACME_DIRECTORY", "\"production\", \"staging\" or the URL of an ACME directory", value);
    }

    /** A lower-case DNS name of at least two labels, safe to use as a file name. */
    static boolean isHostName(String name) {
        return HOST_NAME.matcher(name).matches();
    }

    /** Whether a certificate may be ordered for this lower-case host name. */
    boolean allows(String host) {
        if (host == null || !isHostName(host)) {
            return false;
        }
        return aheadDomains.contains(host) || allowedDomains != null && allowedDomains.matcher(host).matches();
    }
}
