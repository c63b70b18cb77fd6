package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HitSignalsTest {

    @Test
    void privacySignalsAreAOneInSecGpcOrDnt() {
        assertEquals(HitSignals.GLOBAL_PRIVACY_CONTROL, HitSignals.of("Sec-GPC", "1"));
        assertEquals(HitSignals.GLOBAL_PRIVACY_CONTROL, HitSignals.of("sec-gpc", " 1 "));
        assertEquals(HitSignals.DO_NOT_TRACK, HitSignals.of("DNT", "1"));
        assertEquals(HitSignals.DO_NOT_TRACK, HitSignals.of("dnt", "1"));
        for (String no : new String[] {"0", "", "11", "true", "1 1", "yes"}) {
            assertEquals(HitSignals.NONE, HitSignals.of("DNT", no), no);
            assertEquals(HitSignals.NONE, HitSignals.of("Sec-GPC", no), no);
        }
    }

    @Test
    void prefetchIsThePrefetchTokenFirstInAnyOfItsHeaders() {
        for (String yes : new String[] {"prefetch", "prefetch;prerender", "Prefetch", "prefetch;anonymous-client-ip",
            " prefetch", "prefetch, other"}) {
            assertEquals(HitSignals.PREFETCH, HitSignals.of("Sec-Purpose", yes), yes);
        }
        assertEquals(HitSignals.PREFETCH, HitSignals.of("Purpose", "prefetch"));
        assertEquals(HitSignals.PREFETCH, HitSignals.of("X-Moz", "prefetch"));
        for (String no : new String[] {"prefetcher", "prerender", "", "preview", "no-prefetch"}) {
            assertEquals(HitSignals.NONE, HitSignals.of("Sec-Purpose", no), no);
        }
        assertEquals(HitSignals.NONE, HitSignals.of("X-Purpose", "prefetch"));
        assertEquals(HitSignals.NONE, HitSignals.of("Sec-Fetch-Dest", "prefetch"));
        assertEquals(HitSignals.NONE, HitSignals.of(null, "1"));
        assertEquals(HitSignals.NONE, HitSignals.of("DNT", null));
    }

    @Test
    void theServletFormCombinesEveryHeader() {
        int all = HitSignals.of("1", "1", "prefetch", null, null);
        assertEquals(HitSignals.GLOBAL_PRIVACY_CONTROL | HitSignals.DO_NOT_TRACK | HitSignals.PREFETCH, all);
    }

    @Test
    void thePolicyDecidesWhatTheSignalsChange() {
        int gpc = HitSignals.GLOBAL_PRIVACY_CONTROL;
        assertFalse(PrivacyPolicy.STANDARD.isPrivate(gpc));
        assertTrue(PrivacyPolicy.STANDARD.skipsPrefetch(HitSignals.PREFETCH));
        PrivacyPolicy respecting = new PrivacyPolicy(PrivacyPolicy.Signals.RESPECT_SIGNALS, PrivacyPolicy.LogIp.FULL, true);
        assertTrue(respecting.isPrivate(gpc));
        assertTrue(respecting.isPrivate(HitSignals.DO_NOT_TRACK | HitSignals.PREFETCH));
        assertFalse(respecting.isPrivate(HitSignals.PREFETCH));
        assertFalse(respecting.skipsPrefetch(HitSignals.PREFETCH));
    }

    @Test
    void settingsNameTheVariableOnABadValue() {
        assertEquals(PrivacyPolicy.Signals.RESPECT_SIGNALS, PrivacyPolicy.parseSignals("respect-signals"));
        assertEquals(PrivacyPolicy.LogIp.HASHED, PrivacyPolicy.parseLogIp("HASHED"));
        assertEquals("PRIVACY: expected standard or respect-signals, got \"strict\"",
                org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                        () -> CounterConfig.from(Settings.of(java.util.Map.of("PRIVACY", "strict")))).getMessage());
        assertEquals("LOG_IP: expected full, truncated, hashed or none, got \"partial\"",
                org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                        () -> CounterConfig.from(Settings.of(java.util.Map.of("LOG_IP", "partial")))).getMessage());
        CounterConfig c = CounterConfig.from(Settings.of(java.util.Map.of("PRIVACY", "respect-signals",
                "LOG_IP", "truncated", "COUNT_PREFETCH", "true")));
        assertEquals(new PrivacyPolicy(PrivacyPolicy.Signals.RESPECT_SIGNALS, PrivacyPolicy.LogIp.TRUNCATED, true),
                c.privacy());
        assertEquals(PrivacyPolicy.STANDARD, CounterConfig.from(Settings.of(java.util.Map.of())).privacy());
    }
}
