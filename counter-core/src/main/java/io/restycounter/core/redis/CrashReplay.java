package io.restycounter.core.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.SetArgs;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.HitLogReader;
import io.restycounter.core.log.LogFileName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Makes Redis hold what this node's log holds for the live days, after a crash left them apart: hits
 * logged whose deltas were still in memory are added, hits flushed whose log line was still queued
 * (or torn) are taken back. The log is the write-ahead record; the node hash {@code
 * rc:{tenant}:yyyyMMdd:n:{node}}, which the batch script moves atomically with the day hash, says what
 * this node's batches already added, so a batch applied and never confirmed is not applied again. The
 * differences go out as ordinary exactly-once batches, so the node hash moves with them. The hours of a
 * day ({@link RedisHours}) are compared the same way, field {@code counter#HH} of the node hash.
 *
 * <p>Each line is dated in its tenant's calendar (by its instant), so a tenant ahead of TIMEZONE has live
 * days up to tomorrow, and one behind it finds part of its first live day in the file before.
 *
 * <p>Reads only this node's own files of the live days (and the day before), and Redis in steps of {@value #STEP}.
 */
final class CrashReplay {

    /** However long Redis keeps a day, a restart replays at most this many days before today. */
    static final int MAX_DAYS = 7;
    /** {@code rc:replay-since:{node}} = the first day (yyyyMMdd) whose batches of this node all moved its node hash. */
    static final String SINCE_PREFIX = "rc:replay-since:";
    static final int STEP = 1000;

    /** Sends the differences as batches, confirmed before it returns or kept in flight for the flusher. */
    @FunctionalInterface
    interface Sender {
        void send(Map<String, List<Delta>> byTenant) throws StoreException;
    }

    /** What a replay changed, from {@code from} to {@code to} (from after to: nothing could be replayed). */
    record Result(LocalDate from, LocalDate to, long added, long takenBack, int counters) {
    }

    private record TenantDay(String tenant, LocalDate day) implements Comparable<TenantDay> {
        @Override
        public int compareTo(TenantDay o) {
            int c = day.compareTo(o.day);
            return c != 0 ? c : tenant.compareTo(o.tenant);
        }
    }

    private final RedisLink link;
    /** The node's id as Redis knows it ({@code ""} unnamed); {@code fileNode} as its log files carry it (null unnamed). */
    private final String node;
    private final String fileNode;
    private final TenantCalendar calendar;

    CrashReplay(RedisLink link, String fileNode, TenantCalendar calendar) {
        this.link = link;
        this.calendar = calendar;
        this.fileNode = fileNode;
        this.node = fileNode == null ? "" : fileNode;
    }

    /** Replays the differences, the days' hours (in each tenant's calendar) with their counts. */
    Result run(LocalDate today, int expireDays, Path logDir, boolean countBots, Sender sender)
            throws StoreException, IOException {
        LocalDate from = today.minusDays(Math.min(expireDays, MAX_DAYS));
        Set<LocalDate> withFile = new HashSet<>();
        Map<TenantDay, Map<String, Long>> logged = readLog(logDir, from.minusDays(1), today, countBots, withFile);
        // A log with hits of the live days from before node hashes were kept (an upgrade) is not replayed:
        // Redis has those hits, and no node hash says so.
        LocalDate first = from;
        boolean liveHits = logged.keySet().stream().anyMatch(td -> !td.day.isBefore(first)); // not the day before's
        LocalDate since = since(liveHits ? today.plusDays(1) : from);
        if (since.isAfter(from)) {
            from = since;
        }
        if (from.isAfter(today)) {
            return new Result(from, today, 0, 0, 0);
        }
        Set<TenantDay> days = new TreeSet<>(tracked(from, today.plusDays(1)));
        for (TenantDay td : logged.keySet()) {
            if (!td.day.isBefore(from)) {
                days.add(td);
            }
        }
        Map<String, List<Delta>> byTenant = new LinkedHashMap<>();
        long added = 0;
        long takenBack = 0;
        int counters = 0;
        for (TenantDay td : days) {
            if (!filesHeld(td, today, withFile)) {
                continue; // a file of it was shipped and deleted (LOG_RETAIN_DAYS): nothing to compare with
            }
            Map<String, Long> diff = new TreeMap<>(logged.getOrDefault(td, Map.of()));
            applied(td).forEach((counter, count) -> diff.merge(counter, -count, Long::sum));
            for (Map.Entry<String, Long> e : diff.entrySet()) {
                long d = e.getValue();
                if (d != 0) {
                    byTenant.computeIfAbsent(td.tenant, t -> new ArrayList<>()).add(new Delta(td.day, e.getKey(), d));
                    if (e.getKey().indexOf(RedisHours.SEPARATOR) >= 0) {
                        continue; // an hour of a count: not a hit of its own
                    }
                    counters++;
                    if (d > 0) {
                        added += d;
                    } else {
                        takenBack -= d;
                    }
                }
            }
        }
        if (!byTenant.isEmpty()) {
            sender.send(byTenant);
        }
        return new Result(from, today, added, takenBack, counters);
    }

    /** Whether every server day that can hold hours of {@code td} has its file here (today's may not exist yet). */
    private boolean filesHeld(TenantDay td, LocalDate today, Set<LocalDate> withFile) {
        LocalDate first = LocalDate.ofInstant(java.time.Instant.ofEpochMilli(calendar.startOf(td.tenant, td.day)),
                calendar.serverZone());
        LocalDate last = LocalDate.ofInstant(java.time.Instant.ofEpochMilli(calendar.startOf(td.tenant, td.day.plusDays(1)) - 1),
                calendar.serverZone());
        for (LocalDate d = first; !d.isAfter(last) && !d.isAfter(today); d = d.plusDays(1)) {
            if (!d.equals(today) && !withFile.contains(d)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sums the counted hits of this node's files (and their shipped copies) of {@code from..to}, by tenant
     * date: per counter, and per {@code counter#HH} the hits of each hour (as the node hash holds them).
     */
    private Map<TenantDay, Map<String, Long>> readLog(Path logDir, LocalDate from, LocalDate to, boolean countBots,
            Set<LocalDate> withFile) throws IOException {
        Map<TenantDay, Map<String, Long>> out = new HashMap<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            String name = new LogFileName(day, fileNode).toString();
            for (Path file : List.of(logDir.resolve(DailyFileHitLog.SHIPPED_DIR).resolve(name), logDir.resolve(name))) {
                if (Files.isRegularFile(file)) {
                    withFile.add(day);
                    LocalDate fileDay = day;
                    HitLogReader.readDated(file, countBots, (key, inc, millis) -> {
                        LocalDate d = calendar.dayOfLine(key.tenant(), millis, fileDay);
                        Map<String, Long> sums = out.computeIfAbsent(new TenantDay(key.tenant(), d), k -> new HashMap<>());
                        sums.merge(key.counter(), inc, Long::sum);
                        if (millis != Long.MIN_VALUE && d.equals(calendar.dayOf(key.tenant(), millis))) {
                            int h = calendar.hourOf(key.tenant(), millis);
                            sums.merge(key.counter() + RedisHours.SEPARATOR + (h < 10 ? "0" : "") + h, inc, Long::sum);
                        }
                    }, (key, fate, millis) -> { });
                }
            }
        }
        return out;
    }

    /** The first day fully tracked in node hashes; {@code proposed} when this node has no record yet. */
    private LocalDate since(LocalDate proposed) throws StoreException {
        String key = SINCE_PREFIX + node;
        String day = link.call("SET NX " + key, r -> {
            r.set(key, BatchProtocol.dayDigits(proposed), SetArgs.Builder.nx());
            return r.get(key);
        });
        try {
            return LocalDate.parse(day, DateTimeFormatter.BASIC_ISO_DATE);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new StoreException(link.where() + ": " + key + " holds no day: " + day, e);
        }
    }

    /** The tenant-days of {@code from..to} that this node has a node hash for. */
    private Set<TenantDay> tracked(LocalDate from, LocalDate to) throws StoreException {
        String pattern = "rc:{*}:????????" + BatchProtocol.NODE_INFIX + node;
        return link.call("SCAN " + pattern, r -> {
            Set<TenantDay> out = new HashSet<>();
            ScanIterator<String> keys = ScanIterator.scan(r, ScanArgs.Builder.matches(pattern).limit(STEP));
            while (keys.hasNext()) {
                String key = keys.next();
                int close = key.indexOf("}:");
                int infix = close + 2 + 8;
                if (!key.startsWith("rc:{") || close < 5 || !key.startsWith(BatchProtocol.NODE_INFIX + node, infix)
                        || key.length() != infix + BatchProtocol.NODE_INFIX.length() + node.length()) {
                    continue;
                }
                LocalDate day;
                try {
                    day = LocalDate.parse(key.substring(close + 2, infix), DateTimeFormatter.BASIC_ISO_DATE);
                } catch (DateTimeParseException e) {
                    continue;
                }
                if (!day.isBefore(from) && !day.isAfter(to)) {
                    out.add(new TenantDay(key.substring(4, close), day));
                }
            }
            return out;
        });
    }

    /** This node's hash of {@code td}, read by HSCAN in steps. */
    private Map<String, Long> applied(TenantDay td) throws StoreException {
        String key = BatchProtocol.nodeKey(td.tenant, td.day, node);
        return link.call("HSCAN " + key, r -> {
            Map<String, Long> out = new HashMap<>();
            ScanIterator<KeyValue<String, String>> fields = ScanIterator.hscan(r, key, ScanArgs.Builder.limit(STEP));
            while (fields.hasNext()) {
                KeyValue<String, String> kv = fields.next();
                try {
                    out.put(kv.getKey(), Long.parseLong(kv.getValue()));
                } catch (NumberFormatException e) {
                    throw new StoreException(link.where() + ": " + key + " " + kv.getKey() + " holds no integer", e);
                }
            }
            return out;
        });
    }
}
