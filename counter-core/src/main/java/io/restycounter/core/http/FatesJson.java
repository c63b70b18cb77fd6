package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.restycounter.core.Fate;
import java.io.IOException;
import java.time.LocalDate;
import java.util.SortedMap;

/**
 * The {@code "fates"} object of the query JSON: each {@link Fate} with a count, by its JSON name. Zero
 * fates are left out, and the whole object when all are zero, so a clean counter's answer is what it
 * was before fates existed.
 */
final class FatesJson {

    private FatesJson() {
    }

    /** Writes {@code "fates":{...}} for one day's counts (by {@link Fate#ordinal()}), or nothing. */
    static void write(JsonGenerator g, long[] counts) throws IOException {
        if (Fate.none(counts)) {
            return;
        }
        g.writeObjectFieldStart("fates");
        for (Fate f : Fate.ALL) {
            if (counts[f.ordinal()] != 0) {
                g.writeNumberField(f.jsonName(), counts[f.ordinal()]);
            }
        }
        g.writeEndObject();
    }

    /** Writes the sum of every day's fates, or nothing. */
    static void writeTotal(JsonGenerator g, SortedMap<LocalDate, long[]> byDay) throws IOException {
        if (byDay == null || byDay.isEmpty()) {
            return;
        }
        long[] sum = new long[Fate.COUNT];
        for (long[] day : byDay.values()) {
            for (int i = 0; i < sum.length && i < day.length; i++) {
                sum[i] += day[i];
            }
        }
        write(g, sum);
    }
}
