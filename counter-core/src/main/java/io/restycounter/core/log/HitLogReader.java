package io.restycounter.core.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the counts back out of a daily log file, for rebuilding a store and for aggregation. */
public final class HitLogReader {

    /** Receives one counted hit. */
    @FunctionalInterface
    public interface CountSink {
        void add(CounterKey key, long inc);
    }

    /** Receives the {@link Fate} of one hit that the log keeps a trace of: a bot not counted, a private hit. */
    @FunctionalInterface
    public interface FateSink {
        void add(CounterKey key, Fate fate);
    }

    /** Receives one counted hit with its instant (epoch millis; {@link Long#MIN_VALUE} for a line without {@code ts}). */
    @FunctionalInterface
    public interface DatedSink {
        void add(CounterKey key, long inc, long epochMillis);
    }

    /** As {@link FateSink}, with the hit's instant. */
    @FunctionalInterface
    public interface DatedFateSink {
        void add(CounterKey key, Fate fate, long epochMillis);
    }

    /** What one pass over a file found. */
    public record Result(long counted, long skipped) {
    }

    private static final JsonFactory JSON = new JsonFactory();

    private HitLogReader() {
    }

    /**
     * Feeds every counted hit in {@code file} to {@code sink}. Lines that are not whole JSON objects of
     * a valid hit (a torn last line after a crash, say) are skipped and counted, never fatal. A hit
     * counts when its status is 200 or 302 and it is not marked as a bot.
     */
    public static Result read(Path file, CountSink sink) throws IOException {
        return read(file, false, sink);
    }

    /** As {@link #read(Path, CountSink)}, counting lines marked as bots too when {@code countBots} (COUNT_BOTS). */
    public static Result read(Path file, boolean countBots, CountSink sink) throws IOException {
        return read(file, countBots, sink, (key, fate) -> { });
    }

    /**
     * As {@link #read(Path, boolean, CountSink)}, also feeding {@code fates} the fates a line shows: a
     * served bot line not counted ({@link Fate#BOT}), a counted line marked private ({@link Fate#PRIVATE}).
     */
    public static Result read(Path file, boolean countBots, CountSink sink, FateSink fates) throws IOException {
        return scan(file, countBots, (key, inc, millis) -> sink.add(key, inc), (key, fate, millis) -> fates.add(key, fate));
    }

    /**
     * As {@link #read(Path, boolean, CountSink, FateSink)}, with each hit's instant (its {@code ts}), so
     * a reader can date it in a tenant's calendar; {@link Long#MIN_VALUE} when {@code ts} is missing or
     * unreadable (the writer always writes it; a tenant in TIMEZONE is dated by its file, and needs none).
     */
    public static Result readDated(Path file, boolean countBots, DatedSink sink, DatedFateSink fates) throws IOException {
        return scan(file, countBots, sink, fates);
    }

    private static Result scan(Path file, boolean countBots, DatedSink sink, DatedFateSink fates) throws IOException {
        long counted = 0;
        long skipped = 0;
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Line parsed = parse(line);
                if (parsed == null) {
                    skipped++;
                } else if (parsed.counts() || countBots && parsed.bot && parsed.served()) {
                    sink.add(parsed.key, parsed.inc, parsed.epochMillis);
                    counted++;
                    if (parsed.anonymous) {
                        fates.add(parsed.key, Fate.PRIVATE, parsed.epochMillis);
                    }
                } else if (parsed.bot && parsed.served()) {
                    fates.add(parsed.key, Fate.BOT, parsed.epochMillis);
                }
            }
        }
        return new Result(counted, skipped);
    }

    private record Line(CounterKey key, long inc, int status, boolean bot, boolean anonymous, long epochMillis) {
        boolean counts() {
            return served() && !bot;
        }

        boolean served() {
            return status == 200 || status == 302;
        }
    }

    private static Line parse(String line) {
        String tenant = null;
        String counter = null;
        long inc = 1;
        int status = 200;
        boolean bot = false;
        boolean anonymous = false;
        long millis = Long.MIN_VALUE;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "tenant" -> tenant = p.getValueAsString();
                    case "counter" -> counter = p.getValueAsString();
                    case "inc" -> inc = p.getValueAsLong(0);
                    case "status" -> status = p.getValueAsInt(0);
                    case "bot" -> bot = p.getValueAsBoolean();
                    case "private" -> anonymous = p.getValueAsBoolean();
                    case "ts" -> millis = epochMillis(p.getValueAsString());
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        if (inc < 1 || !CounterKey.isValidTenant(tenant) || !CounterKey.isValidCounter(counter)) {
            return null;
        }
        return new Line(new CounterKey(tenant, counter), inc, status, bot, anonymous, millis);
    }

    private static long epochMillis(String ts) {
        try {
            return ts == null ? Long.MIN_VALUE : java.time.Instant.parse(ts).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
    }
}
