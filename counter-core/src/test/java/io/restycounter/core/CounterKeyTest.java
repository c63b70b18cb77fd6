package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CounterKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "acme", "tenant42", "0", "abcdefghijklmnopqrstuvwxyz012345"})
    void acceptsTenants(String tenant) {
        assertTrue(CounterKey.isValidTenant(tenant));
        assertEquals(tenant, new CounterKey(tenant, "c").tenant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Acme", "ac-me", "ac_me", "ac.me", "abcdefghijklmnopqrstuvwxyz0123456", "é"})
    void refusesTenants(String tenant) {
        assertFalse(CounterKey.isValidTenant(tenant));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CounterKey(tenant, "c"));
        assertTrue(e.getMessage().startsWith("tenant:"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "Sign-Up_2.0~beta", "...a", "a..b"})
    void acceptsCounters(String counter) {
        assertTrue(CounterKey.isValidCounter(counter));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "...", "a/b", "a b", "a%2Fb", "ü", "a\nb", "a+b", "a\"b"})
    void refusesCounters(String counter) {
        assertFalse(CounterKey.isValidCounter(counter));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CounterKey("t", counter));
        assertTrue(e.getMessage().startsWith("counter:"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void counterLengthLimitIs128() {
        assertTrue(CounterKey.isValidCounter("c".repeat(128)));
        assertFalse(CounterKey.isValidCounter("c".repeat(129)));
    }
}
