package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.StoreException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building and settling batches; sending them to a real Redis is {@link BatchProtocolIT}. */
class BatchProtocolTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final java.time.Instant NOW = java.time.Instant.parse("2026-11-29T10:15:30Z");
    /**
     * Sent as seconds from now, not as a date, so Redis's clock need not agree with the node's; from where the
     * day ends last (-12:00), so a tenant's day in any zone keeps REDIS_EXPIRE_DAYS after it ends.
     */
    private static final long TODAY_EXPIRY = LocalDate.of(2026, 12, 3).atStartOfDay(ZoneOffset.ofHours(-12)).toEpochSecond()
            - NOW.getEpochSecond();
    private static final long YESTERDAY_EXPIRY = TODAY_EXPIRY - 86_400;

    private static BatchProtocol protocol(int expireDays) {
        return new BatchProtocol("w1", "n1", ZoneOffset.UTC, java.time.Clock.fixed(NOW, ZoneOffset.UTC), expireDays, "test", () -> {
            throw new StoreException("no Redis in a unit test");
        });
    }

    private static Map<String, List<Delta>> deltas(String tenant, Delta... d) {
        Map<String, List<Delta>> m = new LinkedHashMap<>();
        m.put(tenant, List.of(d));
        return m;
    }

    @Test
    void aBatchNamesItsMarkerAndEachDayHashOnceWithItsExpiryAndTriples() {
        BatchProtocol p = protocol(3);
        List<Batch> built = p.build(deltas("acme", new Delta(TODAY, "home", 5), new Delta(TODAY.minusDays(1), "home", 2),
                new Delta(TODAY, "blog", 1)), TODAY);
        assertEquals(1, built.size());
        Batch b = built.get(0);
        assertEquals("rc:{acme}:batch:w1:1", b.marker);
        assertArrayEquals(new String[] {"rc:{acme}:batch:w1:1", "rc:{acme}:20261129", "rc:{acme}:20261128",
                "rc:{acme}:20261129:n:n1", "rc:{acme}:20261128:n:n1"}, b.keys);
        assertArrayEquals(new String[] {String.valueOf(BatchProtocol.MARKER_TTL_SECONDS),
                String.valueOf(TODAY_EXPIRY), String.valueOf(YESTERDAY_EXPIRY),
                String.valueOf(TODAY_EXPIRY), String.valueOf(YESTERDAY_EXPIRY),
                "2", "home", "5", "0", "3", "home", "2", "0", "2", "blog", "1", "0"}, b.args);
        assertEquals(List.of(b), p.inFlight());
        assertTrue(p.inFlight(TODAY.minusDays(1)));
        assertEquals(5, b.delta("home", TODAY));
    }

    @Test
    void visitorIdsFollowTheirCounterAndABatchHoldsAtMostMaxBatchVisitors() {
        long[] few = {35L, -1L};
        long[] many = new long[BatchProtocol.MAX_BATCH_VISITORS];
        List<Batch> built = protocol(3).build(deltas("acme", new Delta(TODAY, "home", 2, few),
                new Delta(TODAY, "blog", 0, many)), TODAY);
        assertEquals(2, built.size(), "the second counter's ids would pass the bound: a batch of their own");
        assertArrayEquals(new String[] {String.valueOf(BatchProtocol.MARKER_TTL_SECONDS), String.valueOf(TODAY_EXPIRY),
                String.valueOf(TODAY_EXPIRY), "2", "home", "2", "2", "z", "-1"}, built.get(0).args);
        assertEquals(3 + 4 + BatchProtocol.MAX_BATCH_VISITORS, built.get(1).args.length);
        assertEquals("rcu:{acme}:20261129:home", BatchProtocol.sketchKey("acme", TODAY, "home"));
    }

    @Test
    void noExpiryAboveTheLimit() {
        Batch b = protocol(10_000).build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0);
        assertEquals("0", b.args[1]);
    }

    @Test
    void theExpiryIsSentUntilABatchThatSetItIsConfirmedThenOncePerDay() throws Exception {
        BatchProtocol p = protocol(3);
        Batch first = p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0);
        Batch unconfirmed = p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0);
        assertEquals(String.valueOf(TODAY_EXPIRY), unconfirmed.args[1], "not confirmed yet: sent again");
        p.settle(List.of(first, unconfirmed), new Long[] {1L, 1L});
        assertEquals("0", p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0).args[1],
                "confirmed: left alone");
        assertEquals(String.valueOf(TODAY_EXPIRY),
                p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY.plusDays(1)).get(0).args[1],
                "a new process-day sets it once more");
    }

    @Test
    void batchesSplitAtMaxEntriesPerTenant() {
        List<Delta> many = new ArrayList<>();
        for (int i = 0; i < 2 * BatchProtocol.MAX_BATCH_ENTRIES + 500; i++) {
            many.add(new Delta(TODAY, "c" + i, 1));
        }
        Map<String, List<Delta>> byTenant = new LinkedHashMap<>();
        byTenant.put("acme", many);
        byTenant.put("beta", List.of(new Delta(TODAY, "x", 1)));
        List<Batch> built = protocol(3).build(byTenant, TODAY);
        assertEquals(List.of(1000, 1000, 500, 1), built.stream().map(b -> b.deltas.size()).toList());
        assertEquals(List.of("acme", "acme", "acme", "beta"), built.stream().map(b -> b.tenant).toList());
        assertEquals(4, built.stream().map(b -> b.marker).distinct().count(), "a marker per batch");
        assertEquals(3 + 4 * 1000, built.get(0).args.length, "TTL, one expiry, one sketch TTL, four per counter");
        assertEquals("rc:{beta}:batch:w1:4", built.get(3).marker);
    }

    @Test
    void aBatchWithoutReplyStaysUnchangedAndItsMarkerIsNeverDeleted() throws Exception {
        BatchProtocol p = protocol(3);
        Batch b = p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0);
        String[] args = b.args.clone();
        assertThrows(StoreException.class, () -> p.settle(List.of(b), new Long[] {null}));
        assertEquals(List.of(b), p.inFlight(), "kept for retry");
        assertArrayEquals(args, b.args, "the retry sends the same");
        p.settle(List.of(b), new Long[] {0L});
        assertEquals(List.of(), p.inFlight());
        List<String> deletable = new ArrayList<>();
        p.takeConfirmedMarkers(deletable);
        assertEquals(List.of(), deletable, "an unsure batch's marker stays until its TTL");

        Batch sure = p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY).get(0);
        p.settle(List.of(sure), new Long[] {1L});
        p.takeConfirmedMarkers(deletable);
        assertEquals(List.of(sure.marker), deletable);
        assertNotEquals(b.marker, sure.marker);
    }

    @Test
    void applyWithoutAConnectionFailsAsAStoreException() {
        BatchProtocol p = protocol(3);
        List<Batch> built = p.build(deltas("acme", new Delta(TODAY, "home", 1)), TODAY);
        assertThrows(StoreException.class, () -> p.confirm(built));
        assertEquals(built, p.inFlight());
    }
}
