package io.restycounter.app.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AcmeSettingsTest {

    private static AcmeSettings parse(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return AcmeSettings.from(Settings.of(m));
    }

    @Test
    void defaults() {
        AcmeSettings s = parse();
        assertEquals(URI.create(AcmeSettings.PRODUCTION), s.directory());
        assertEquals(Path.of("./data/certs"), s.certDir());
        assertEquals(Duration.ofSeconds(30), s.orderWait());
        assertEquals(Duration.ofDays(30), s.renewBefore());
        assertNull(s.email());
        assertEquals(List.of(), s.aheadDomains());
        assertFalse(s.allows("pi.example.com"), "nothing is allowed without ALLOWED_DOMAINS");
    }

    @ParameterizedTest
    @CsvSource({
        "pi.example.com, true",
        "PI.EXAMPLE.COM, true",
        "pi.example.com.attacker.net, false",
        "evil-pi.example.com, false",
        "xpi.example.com, false",
        "a.shop.example.com, true",
        "a.b.shop.example.com, false",
        "a.shop.example.com.attacker.net, false",
        "example.com, false",
        "../etc.example.com, false",
    })
    void allowedDomainsMustMatchTheWholeNameIgnoringCase(String host, boolean allowed) {
        AcmeSettings s = parse("ALLOWED_DOMAINS", "pi\\.example\\.com|[a-z]+\\.shop\\.example\\.com");
        assertEquals(allowed, s.allows(host.toLowerCase(java.util.Locale.ROOT)), host);
    }

    @Test
    void acmeDomainsAreAllowedAndValidated() {
        AcmeSettings s = parse("ACME_DOMAINS", " Pi.Example.com , shop.example.org,");
        assertEquals(List.of("pi.example.com", "shop.example.org"), s.aheadDomains());
        assertTrue(s.allows("shop.example.org"));
        ConfigException e = assertThrows(ConfigException.class, () -> parse("ACME_DOMAINS", "ok.example.com,../x"));
        assertEquals("ACME_DOMAINS: expected a comma list of DNS host names, got \"../x\"", e.getMessage());
    }

    @Test
    void directoryAcceptsWordsAndUrls() {
        assertEquals(URI.create(AcmeSettings.STAGING), parse("ACME_DIRECTORY", "Staging").directory());
        assertEquals(URI.create(AcmeSettings.PRODUCTION), parse("ACME_DIRECTORY", "production").directory());
        assertEquals(URI.create("https://ca.internal:14000/dir"),
                parse("ACME_DIRECTORY", "https://ca.internal:14000/dir").directory());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("ACME_DIRECTORY", "letsencrypt"));
        assertTrue(e.getMessage().startsWith("ACME_DIRECTORY: expected \"production\", \"staging\" or the URL"),
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ALLOWED_DOMAINS|(unclosed|ALLOWED_DOMAINS: expected a regular expression",
        "ACME_EMAIL|not-an-address|ACME_EMAIL: expected an email address",
        "ACME_TRUSTED_CERTS|/no/such/file.pem|ACME_TRUSTED_CERTS: expected a readable PEM file",
        "ACME_MAX_ORDERS_PER_HOUR|0|ACME_MAX_ORDERS_PER_HOUR: expected an integer from 1",
        "ACME_ORDER_WAIT_SECONDS|soon|ACME_ORDER_WAIT_SECONDS: expected an integer",
    })
    void aBadValueIsNamed(String name, String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(name, value));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
