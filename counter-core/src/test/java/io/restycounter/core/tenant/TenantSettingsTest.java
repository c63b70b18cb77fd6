package io.restycounter.core.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantSettingsTest {

    @Test
    void everySettingIsParsedFromTheStringsRedisAndTheCommandLineGive() {
        TenantSettings t = TenantSettings.parse("acme", Map.of(
                "max-new-counters-per-day", "50000", "max-hits-per-second", "200",
                "counters", "home,blog-*", "redirect-hosts", "example.com,*.Example.org",
                "time-zone", "Asia/Kathmandu", "privacy", "respect-signals", "uniques-period", "week",
                "signing-secret", "0123456789abcdef0123"));
        assertEquals(50_000L, t.maxNewCountersPerDay());
        assertEquals(200, t.maxHitsPerSecond());
        assertEquals(List.of("home", "blog-*"), t.counters().rules());
        assertEquals(ZoneId.of("Asia/Kathmandu"), t.timeZone());
        assertEquals(TenantSettings.Privacy.RESPECT_SIGNALS, t.privacy());
        assertEquals(TenantSettings.UniquesPeriod.WEEK, t.uniquesPeriod());
        assertEquals(List.of("example.com", "*.example.org"), t.redirectHosts().hosts());
        // And back: what values() gives parses to the same tenant.
        assertEquals(t, TenantSettings.parse("acme", t.values()));
    }

    @Test
    void theIssuesNameMaxCountersSetsTheNewCounterQuota() {
        assertEquals(7L, TenantSettings.of("acme").with("max-counters", "7").maxNewCountersPerDay());
    }

    @Test
    void counterRulesAllowExactNamesAndPrefixesOnly() {
        CounterRules rules = TenantSettings.of("acme").with("counters", List.of("home", "blog-*")).counters();
        assertTrue(rules.allows("home"));
        assertTrue(rules.allows("blog-2026"));
        assertTrue(rules.allows("blog-"));
        assertFalse(rules.allows("homepage"));
        assertFalse(rules.allows("blog"));
        assertFalse(rules.allows("news"));
    }

    @Test
    void redirectHostsMatchWholeHostsAndSubdomainsOfAWildcard() {
        RedirectHosts hosts = TenantSettings.of("acme").with("redirect-hosts", "example.com,*.shop.example").redirectHosts();
        assertTrue(hosts.pattern().matcher("EXAMPLE.com").matches());
        assertTrue(hosts.pattern().matcher("a.b.shop.example").matches());
        assertFalse(hosts.pattern().matcher("shop.example").matches());
        assertFalse(hosts.pattern().matcher("evil-example.com").matches());
        assertFalse(hosts.pattern().matcher("example.com.evil").matches());
    }

    @Test
    void anEmptyValuePutsASettingBackToTheDefault() {
        TenantSettings t = TenantSettings.of("acme").with("time-zone", "Europe/Paris").with("time-zone", "");
        assertNull(t.timeZone());
        assertFalse(t.values().containsKey("time-zone"));
    }

    @Test
    void aBadValueIsRefusedNamingTheTenantAndTheSetting() {
        TenantSettings t = TenantSettings.of("acme");
        assertEquals("tenant acme: time-zone: expected an IANA time zone such as Europe/Paris, got \"Mars/Olympus\"",
                assertThrows(IllegalArgumentException.class, () -> t.with("time-zone", "Mars/Olympus")).getMessage());
        assertEquals("tenant acme: privacy: expected standard or respect-signals, got \"loose\"",
                assertThrows(IllegalArgumentException.class, () -> t.with("privacy", "loose")).getMessage());
        assertEquals("tenant acme: uniques-period: expected day or week or month, got \"year\"",
                assertThrows(IllegalArgumentException.class, () -> t.with("uniques-period", "year")).getMessage());
        assertEquals("tenant acme: max-hits-per-second: expected an integer from 0 to 10000000, got \"-1\"",
                assertThrows(IllegalArgumentException.class, () -> t.with("max-hits-per-second", "-1")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.with("counters", "a/b")).getMessage()
                .startsWith("tenant acme: counters: expected counter names or prefixes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.with("colour", "red")).getMessage()
                .startsWith("tenant acme: expected a setting among keys, signing-secret"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.with("keys", "abc")).getMessage()
                .startsWith("tenant acme: keys: expected SHA-256 digests"));
        IllegalArgumentException secret = assertThrows(IllegalArgumentException.class,
                () -> t.with("signing-secret", "short-secret"));
        assertFalse(secret.getMessage().contains("short-secret"), "a secret is never shown");
        assertThrows(IllegalArgumentException.class, () -> TenantSettings.of("ACME"));
    }

    @Test
    void showingATenantNeverShowsItsSecretOrKeys() {
        TenantSettings t = TenantSettings.of("acme").with("signing-secret", "0123456789abcdef0123")
                .with("keys", List.of("a".repeat(64)));
        assertEquals("(set)", t.shown().get("signing-secret"));
        assertEquals("1 key", t.shown().get("keys"));
        assertFalse(t.toString().contains("0123456789abcdef0123"));
        assertFalse(t.toString().contains("a".repeat(64)));
    }

    @Test
    void aNewTimeZoneIsKeptWithTheZoneBeforeAndItsFirstDateAndReadBackAsStored() {
        java.time.Instant now = java.time.Instant.parse("2026-11-30T23:30:00Z");
        TenantSettings t = TenantSettings.of("acme").withTimeZone("Pacific/Pago_Pago", ZoneId.of("UTC"), now);
        // UTC is on 11-30, Pago Pago on 11-30 too: the change starts at 12-01 in Pago Pago, 12-01 11:00 UTC.
        assertEquals(new ZoneChange(ZoneId.of("UTC"), java.time.LocalDate.parse("2026-12-01")), t.zoneChange());
        assertEquals(ZoneId.of("UTC"), t.zoneAt(ZoneId.of("UTC"), now));
        Map<String, Object> stored = t.values();
        assertEquals("2026-12-01", stored.get("time-zone-from"));
        assertEquals("UTC", stored.get("time-zone-before"));
        assertEquals(t, TenantSettings.parse("acme", stored), "what the file and Redis keep reads back the same");

        TenantSettings back = t.withTimeZone("", ZoneId.of("UTC"), now);
        assertNull(back.timeZone());
        assertNull(back.zoneChange(), "back to the zone in force before the change started: no change left");
        assertEquals(t.timeZone(), TenantSettings.of("acme").with("timezone", "Pacific/Pago_Pago").timeZone(),
                "the issue's name is accepted");
    }

    @Test
    void aBadZoneOrAHandMadeChangeIsRefusedNamingTheSetting() {
        TenantSettings t = TenantSettings.of("acme");
        assertEquals("tenant acme: time-zone: expected an IANA time zone such as Europe/Paris, got \"UTC+25\"",
                assertThrows(IllegalArgumentException.class,
                        () -> t.withTimeZone("UTC+25", ZoneId.of("UTC"), java.time.Instant.EPOCH)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.with("time-zone-from", "2026-12-01"))
                .getMessage().startsWith("tenant acme: time-zone-from: set by tenant set acme time-zone"));
        assertEquals("tenant acme: time-zone-before: expected an IANA time zone with time-zone-from, got \"\"",
                assertThrows(IllegalArgumentException.class,
                        () -> TenantSettings.parse("acme", Map.of("time-zone-from", "2026-12-01"))).getMessage());
        assertEquals("tenant acme: time-zone-from: expected a date such as 2026-12-02, got \"soon\"",
                assertThrows(IllegalArgumentException.class, () -> TenantSettings.parse("acme",
                        Map.of("time-zone-from", "soon", "time-zone-before", "UTC"))).getMessage());
    }
}
