package io.restycounter.core.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.IpHashKeys;
import io.restycounter.core.PrivacyPolicy.LogIp;
import io.restycounter.core.TenantPrivacy;
import io.restycounter.core.geoip.InetAddresses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes a hit as one JSON line (the README's log line) into a {@link LineBuffer}. Lines collect in the
 * generator's own buffer and reach the line buffer when it fills or at {@link #flush()}. Not thread-safe:
 * the log's writer thread is its only user.
 *
 * <p>The line is exact and stays one line for every tool: header values that are UTF-8 are written as
 * their text ({@link Utf8Text}), and besides the control characters JSON escapes, U+0085, U+2028 and
 * U+2029 (line ends to some readers) are escaped too. The client address is located first, in memory,
 * and then written in the tenant's LOG_IP form ({@link IpForm}); X-Forwarded-For is kept only with
 * {@code full}, as it holds addresses of its own.
 */
final class HitLineEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(DailyFileHitLog.class);
    private static final DateTimeFormatter TS_SECOND =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);

    // Field names encoded once; the writer spends its time on values, not on names.
    private static final SerializedString TS = new SerializedString("ts");
    private static final SerializedString TENANT = new SerializedString("tenant");
    private static final SerializedString COUNTER = new SerializedString("counter");
    private static final SerializedString INC = new SerializedString("inc");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString METHOD = new SerializedString("method");
    private static final SerializedString URI = new SerializedString("uri");
    private static final SerializedString IP = new SerializedString("ip");
    private static final SerializedString XFF = new SerializedString("xff");
    private static final SerializedString HOST = new SerializedString("host");
    private static final SerializedString SCHEME = new SerializedString("scheme");
    private static final SerializedString REFERER = new SerializedString("referer");
    private static final SerializedString UA = new SerializedString("ua");
    private static final SerializedString COUNTRY = new SerializedString("country");
    private static final SerializedString REGION = new SerializedString("region");
    private static final SerializedString CITY = new SerializedString("city");
    private static final SerializedString POSTAL = new SerializedString("postal");
    private static final SerializedString LAT = new SerializedString("lat");
    private static final SerializedString LON = new SerializedString("lon");
    private static final SerializedString NODE = new SerializedString("node");
    private static final SerializedString BOT = new SerializedString("bot");
    private static final SerializedString PRIVATE = new SerializedString("private");
    private static final JsonFactory JSON = new JsonFactory().setCharacterEscapes(new LineEscapes());
    private static final Map<String, SerializedString> COMMON_VALUES = Stream.of("GET", "HEAD", "http", "https")
            .collect(Collectors.toUnmodifiableMap(v -> v, SerializedString::new));

    private final LineBuffer buffer;
    private final SerializedString nodeValue;
    private final GeoIp geoIp;
    private final TenantPrivacy privacy;
    private final IpForm ipForm;
    private final Utf8Text utf8 = new Utf8Text();
    private JsonGenerator json;
    // "yyyy-MM-ddTHH:mm:ss.mmmZ" of the last hit: most hits share their second with the one before.
    private final char[] ts = new char[24];
    private long tsSecond = Long.MIN_VALUE;

    /**
     * @param node  node id written on each line, or null
     * @param geoIp location lookups for each line; {@link GeoIp#none()} for none
     */
    HitLineEncoder(LineBuffer buffer, String node, GeoIp geoIp) {
        this(buffer, node, geoIp, TenantPrivacy.everyTenant(io.restycounter.core.PrivacyPolicy.STANDARD),
                IpHashKeys.unavailable());
    }

    /**
     * @param privacy each tenant's LOG_IP
     * @param keys    the keys of the day for LOG_IP=hashed
     */
    HitLineEncoder(LineBuffer buffer, String node, GeoIp geoIp, TenantPrivacy privacy, IpHashKeys keys) {
        this.buffer = buffer;
        this.nodeValue = node == null ? null : new SerializedString(node);
        this.geoIp = geoIp;
        this.privacy = privacy;
        this.ipForm = new IpForm(keys);
        this.json = newGenerator();
    }

    /**
     * Appends one line for {@code hit}. On failure nothing of the line stays in the buffer and the next
     * line is whole.
     *
     * @throws IllegalStateException when the hit could not be encoded
     */
    void encode(Hit hit, LocalDate day) {
        int lineStart = buffer.size() + json.getOutputBuffered();
        try {
            writeJson(hit, day);
        } catch (IOException | RuntimeException e) {
            // Drop the half-encoded line and the generator's state with it, so the next line is whole.
            flush();
            buffer.truncate(lineStart);
            json = newGenerator();
            throw new IllegalStateException("encoding failed", e);
        }
    }

    /** Moves every encoded line from the generator into the line buffer. */
    void flush() {
        try {
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // LineBuffer is memory: it never throws
        }
    }

    private JsonGenerator newGenerator() {
        try {
            JsonGenerator g = JSON.createGenerator(buffer);
            g.setRootValueSeparator(null);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeJson(Hit hit, LocalDate day) throws IOException {
        JsonGenerator g = json;
        g.writeStartObject();
        g.writeFieldName(TS);
        g.writeString(timestamp(hit.epochMillis()), 0, ts.length);
        g.writeFieldName(TENANT);
        g.writeString(hit.key().tenant());
        g.writeFieldName(COUNTER);
        g.writeString(hit.key().counter());
        g.writeFieldName(INC);
        g.writeNumber(hit.inc());
        g.writeFieldName(STATUS);
        g.writeNumber(hit.status());
        common(g, METHOD, hit.method());
        text(g, URI, hit.uri());
        String ip = hit.ip();
        LogIp form = ip == null ? LogIp.NONE : privacy.of(hit.key().tenant()).logIp();
        InetAddress address = ip != null && (geoIp != GeoIp.none() || form == LogIp.TRUNCATED || form == LogIp.HASHED)
                ? InetAddresses.parseLiteral(ip) : null;
        switch (form) {
            case FULL -> {
                text(g, IP, ip);
                text(g, XFF, hit.xff());
            }
            case TRUNCATED -> formed(g, ipForm.truncate(address));
            case HASHED -> formed(g, ipForm.hash(day, hit.key().tenant(), address, ip));
            case NONE -> {
            }
        }
        text(g, HOST, hit.host());
        common(g, SCHEME, hit.scheme());
        text(g, REFERER, hit.referer());
        text(g, UA, hit.userAgent());
        if (hit.bot()) {
            g.writeFieldName(BOT);
            g.writeBoolean(true);
        }
        if (hit.privateHit()) {
            g.writeFieldName(PRIVATE);
            g.writeBoolean(true);
        }
        Optional<Geo> geo = locate(address, ip);
        if (geo.isPresent()) {
            Geo l = geo.get();
            optional(g, COUNTRY, l.country());
            optional(g, REGION, l.region());
            optional(g, CITY, l.city());
            optional(g, POSTAL, l.postal());
            if (l.lat() != null && l.lon() != null) {
                g.writeFieldName(LAT);
                g.writeNumber(l.lat());
                g.writeFieldName(LON);
                g.writeNumber(l.lon());
            }
        }
        if (nodeValue != null) {
            g.writeFieldName(NODE);
            g.writeString(nodeValue);
        }
        g.writeEndObject();
        g.writeRaw('\n');
    }

    /** Fills {@link #ts} for {@code epochMillis}, formatting the date and time only when the second changes. */
    private char[] timestamp(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != tsSecond) {
            TS_SECOND.format(Instant.ofEpochSecond(second)).getChars(0, 20, ts, 0);
            tsSecond = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        ts[20] = (char) ('0' + millis / 100);
        ts[21] = (char) ('0' + millis / 10 % 10);
        ts[22] = (char) ('0' + millis % 10);
        ts[23] = 'Z';
        return ts;
    }

    /** The location of the full address, looked up in memory before the line keeps less of it. */
    private Optional<Geo> locate(InetAddress address, String ip) {
        if (geoIp == GeoIp.none() || address == null) {
            return Optional.empty();
        }
        try {
            return geoIp.lookup(address);
        } catch (RuntimeException e) {
            LOG.debug("geoip lookup failed for {}", ip, e);
            return Optional.empty();
        }
    }

    private void formed(JsonGenerator g, boolean written) throws IOException {
        if (written) {
            g.writeFieldName(IP);
            g.writeString(ipForm.chars(), 0, ipForm.length());
        }
    }

    /** A value a client sent: written as the UTF-8 text it is when its bytes are UTF-8. */
    private void text(JsonGenerator g, SerializedString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            if (utf8.decode(value)) {
                g.writeString(utf8.chars(), 0, utf8.length());
            } else {
                g.writeString(value);
            }
        }
    }

    /**
     * JSON's escapes, and U+0085, U+2028 and U+2029 as a backslash-u escape: JSON allows them raw, but some
     * readers (JavaScript before ES2019, Python's {@code splitlines}, editors) take them for line ends.
     */
    private static final class LineEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private static final SerializedString NEL = new SerializedString("\\u0085");
        private static final SerializedString LS = new SerializedString("\\u2028");
        private static final SerializedString PS = new SerializedString("\\u2029");
        private final int[] ascii = standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return switch (ch) {
                case 0x85 -> NEL;
                case 0x2028 -> LS;
                case 0x2029 -> PS;
                default -> null;
            };
        }
    }

    /** A value that is nearly always one of a few (GET, http): written from bytes encoded once. */
    private static void common(JsonGenerator g, SerializedString name, String value) throws IOException {
        SerializedString encoded = value == null ? null : COMMON_VALUES.get(value);
        if (encoded == null) {
            optional(g, name, value);
        } else {
            g.writeFieldName(name);
            g.writeString(encoded);
        }
    }

    private static void optional(JsonGenerator g, SerializedString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }
}
