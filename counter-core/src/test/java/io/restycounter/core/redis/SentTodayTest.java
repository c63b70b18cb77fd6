package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.restycounter.core.StoreException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the batches leave out once Redis confirmed it; against a real Redis: {@link SentTodayIT}. */
class SentTodayTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);
    private static final Instant NOW = Instant.parse("2026-11-29T10:15:30Z");
    private static final String TTL = String.valueOf(LocalDate.of(2026, 12, 3).atStartOfDay(ZoneOffset.ofHours(-12))
            .toEpochSecond() - NOW.getEpochSecond());

    private static BatchProtocol protocol() {
        return new BatchProtocol("w1", "n1", ZoneOffset.UTC, java.time.Clock.fixed(NOW, ZoneOffset.UTC), 3, "test", () -> {
            throw new StoreException("no Redis in a unit test");
        });
    }

    private static Batch build(BatchProtocol p, LocalDate today, Delta... d) {
        Map<String, List<Delta>> m = new LinkedHashMap<>();
        m.put("acme", List.of(d));
        List<Batch> built = p.build(m, today);
        return built.isEmpty() ? null : built.get(0);
    }

    private static void confirm(BatchProtocol p, Batch b) throws StoreException {
        p.settle(List.of(b), new Long[] {1L});
    }

    @Test
    void idsASketchTookAreLeftOutAndItsExpiryIsNotSentAgain() throws Exception {
        BatchProtocol p = protocol();
        Batch first = build(p, TODAY, new Delta(TODAY, "home", 2, new long[] {1, 2}));
        assertArrayEquals(new String[] {"2", "home", "2", "2", "1", "2"}, List.of(first.args).subList(3, 9).toArray());
        Batch unconfirmed = build(p, TODAY, new Delta(TODAY, "home", 1, new long[] {1}));
        assertEquals("1", unconfirmed.args[6], "not confirmed yet: the id goes again, with the expiry");
        confirm(p, first);
        confirm(p, unconfirmed);

        assertEquals(null, build(p, TODAY, new Delta(TODAY, "home", 0, new long[] {2, 1})),
                "nothing new: no batch at all");
        Batch hits = build(p, TODAY, new Delta(TODAY, "home", 3, new long[] {1}));
        assertEquals(List.of("0", TTL, "2", "home", "3", "0"), List.of(hits.args).subList(1, 7),
                "the count goes, the known id and both expiries do not");
        confirm(p, hits);
        Batch fresh = build(p, TODAY, new Delta(TODAY, "home", 1, new long[] {1, 3, 2}));
        assertEquals(List.of("0", TTL, "2", "home", "1", "-1", "3"), List.of(fresh.args).subList(1, 8),
                "only the new id, and -1: the sketch's expiry is set");
        Batch other = build(p, TODAY, new Delta(TODAY, "other", 0, new long[] {1}));
        assertEquals(List.of("other", "0", "1", "1"), List.of(other.args).subList(4, 8), "another counter, another sketch");
    }

    @Test
    void aLostScriptCacheGivesTheBatchesInFlightTheirExpiriesBack() throws Exception {
        BatchProtocol p = protocol();
        confirm(p, build(p, TODAY, new Delta(TODAY, "home", 1, new long[] {7}), new Delta(TODAY, "home|bot", 1)));
        Batch b = build(p, TODAY, new Delta(TODAY, "home", 1, new long[] {8}), new Delta(TODAY, "home|bot", 1));
        assertEquals(List.of("0", TTL, "2", "home", "1", "-1", "8"), List.of(b.args).subList(1, 8));
        p.scriptCacheLost();
        assertEquals(List.of(TTL, TTL, "2", "home", "1", "1", "8"), List.of(b.args).subList(1, 8),
                "Redis may have lost the keys: the retry sets their expiry");
        Batch next = build(p, TODAY, new Delta(TODAY, "home", 1, new long[] {7}));
        assertEquals(List.of(TTL, TTL, "2", "home", "1", "1", "7"), List.of(next.args).subList(1, 8),
                "and the ids it sent go again");
    }

    @Test
    void aFatesHashNewOnADayWhoseHashExpiresGetsItsExpiry() throws Exception {
        BatchProtocol p = protocol();
        confirm(p, build(p, TODAY, new Delta(TODAY, "home", 1)));
        Batch fated = build(p, TODAY, new Delta(TODAY, "home|bot", 1));
        assertEquals(TTL, fated.args[1], "the fates hash is new today");
        confirm(p, fated);
        assertEquals("0", build(p, TODAY, new Delta(TODAY, "home|bot", 1)).args[1]);
        assertEquals(String.valueOf(Long.parseLong(TTL) + 86_400),
                build(p, TODAY.plusDays(1), new Delta(TODAY.plusDays(1), "home|bot", 1)).args[1],
                "a new day sets it once more");
    }

    @Test
    void theMemoryIsBounded() throws Exception {
        SentToday sent = new SentToday();
        sent.startDay(TODAY);
        List<Delta> many = new ArrayList<>();
        for (int i = 0; i < SentToday.MAX_SKETCHES + 10; i++) {
            many.add(new Delta(TODAY, "c" + i, 1, new long[] {i}));
        }
        sent.confirmed(new Batch("acme", new String[] {"m"}, new String[] {"1"}, many));
        assertEquals(SentToday.MAX_SKETCHES, sent.sketches());
        List<Delta> again = sent.unsent(Map.of("acme", List.of(many.get(0), many.get(many.size() - 1)))).get("acme");
        assertSame(many.get(0), again.get(0), "the least recently sent sketch was forgotten: its id goes again");
        assertEquals(new Delta(TODAY, many.get(many.size() - 1).counter(), 1, new long[0]).inc(), again.get(1).inc());
        assertEquals(0, again.get(1).visitors().length, "the newest is known: its increment goes, its id not");

        long[] ids = new long[SentToday.IDS_PER_SKETCH + 5];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + i;
        }
        sent.confirmed(new Batch("acme", new String[] {"m"}, new String[] {"1"}, List.of(new Delta(TODAY, "big", 0, ids))));
        Delta back = sent.unsent(Map.of("acme", List.of(new Delta(TODAY, "big", 0, ids)))).get("acme").get(0);
        assertArrayEquals(new long[] {1000, 1001, 1002, 1003, 1004}, back.visitors(),
                "a sketch holds its last " + SentToday.IDS_PER_SKETCH + " ids");
        Map<String, List<Delta>> none = Map.of("acme", List.of(new Delta(TODAY, "nobody", 1)));
        assertSame(none.get("acme").get(0), sent.unsent(none).get("acme").get(0));
    }
}
