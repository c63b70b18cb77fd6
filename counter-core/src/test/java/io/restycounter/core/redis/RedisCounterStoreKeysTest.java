package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RedisCounterStoreKeysTest {

    @Test
    void dayDigitsAreTheBasicIsoDateOfEveryDay() {
        for (LocalDate d = LocalDate.of(1999, 12, 1); d.isBefore(LocalDate.of(2031, 1, 1)); d = d.plusDays(1)) {
            assertEquals(DateTimeFormatter.BASIC_ISO_DATE.format(d), BatchProtocol.dayDigits(d));
        }
        for (LocalDate d : new LocalDate[] {LocalDate.of(999, 12, 31), LocalDate.of(1000, 1, 1),
                LocalDate.of(9999, 12, 31)}) {
            assertEquals(DateTimeFormatter.BASIC_ISO_DATE.format(d), BatchProtocol.dayDigits(d));
        }
    }

    @Test
    void aDayKeyNamesTheTenantsHashSlotAndTheDay() {
        assertEquals("rc:{acme}:20261129", BatchProtocol.dayKey("acme", LocalDate.of(2026, 11, 29)));
    }
}
