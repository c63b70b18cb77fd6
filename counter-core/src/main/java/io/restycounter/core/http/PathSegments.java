package io.restycounter.core.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Percent-decoding for path segments and query values, by hand: no regex, malformed input gives null. */
final class PathSegments {

    private PathSegments() {
    }

    /**
     * Splits {@code path} ("/a/b" or "a/b", still percent-encoded) into exactly {@code count} decoded
     * segments, or null when it has another number of segments, an empty one, or bad encoding.
     */
    static String[] split(String path, int count) {
        if (path == null) {
            return null;
        }
        int start = path.startsWith("/") ? 1 : 0;
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            if (end == start || (slash >= 0 && i == count - 1) || (slash < 0 && i < count - 1)) {
                return null;
            }
            String segment = decode(path, start, end, false);
            if (segment == null) {
                return null;
            }
            out[i] = segment;
            start = end + 1;
        }
        return out;
    }

    /** Decodes {@code s[from, to)}; {@code plusIsSpace} for query strings. Null on malformed input. */
    static String decode(String s, int from, int to, boolean plusIsSpace) {
        int pct = s.indexOf('%', from);
        boolean plus = plusIsSpace && s.indexOf('+', from) >= 0 && s.indexOf('+', from) < to;
        if ((pct < 0 || pct >= to) && !plus) {
            return s.substring(from, to);
        }
        byte[] bytes = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes[n++] = (byte) ((hi << 4) | lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes[n++] = ' ';
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                return null;
            }
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** What {@link #queryParam} answers for a value that is not valid percent-encoded UTF-8; compare by identity. */
    static final String MALFORMED = new String("malformed");

    /**
     * The decoded value of the first {@code name=} parameter in a raw query string, null when absent,
     * {@link #MALFORMED} when its encoding is broken.
     */
    static String queryParam(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        int at = nextParam(rawQuery, name, 0);
        return at < 0 ? null : valueAt(rawQuery, name, at);
    }

    /**
     * Every decoded value of {@code name=} in a raw query string, in order; a value with broken
     * encoding is {@link #MALFORMED}.
     */
    static java.util.List<String> queryParams(String rawQuery, String name) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (int at = nextParam(rawQuery, name, 0); at >= 0; ) {
            out.add(valueAt(rawQuery, name, at));
            int amp = rawQuery.indexOf('&', at);
            at = amp < 0 ? -1 : nextParam(rawQuery, name, amp + 1);
        }
        return out;
    }

    /** Where the next parameter called {@code name} (with or without {@code =}) starts, from {@code from} on; -1 if none. */
    private static int nextParam(String rawQuery, String name, int from) {
        int len = rawQuery.length();
        for (int i = from; i <= len; ) {
            int amp = rawQuery.indexOf('&', i);
            int end = amp < 0 ? len : amp;
            int eq = rawQuery.indexOf('=', i);
            int nameEnd = eq >= 0 && eq < end ? eq : end;
            if (nameEnd - i == name.length() && rawQuery.startsWith(name, i)) {
                return i;
            }
            if (amp < 0) {
                return -1;
            }
            i = amp + 1;
        }
        return -1;
    }

    /** The decoded value of the parameter {@code name} that starts at {@code at}: "" without {@code =}. */
    private static String valueAt(String rawQuery, String name, int at) {
        int amp = rawQuery.indexOf('&', at);
        int end = amp < 0 ? rawQuery.length() : amp;
        int nameEnd = at + name.length();
        if (nameEnd == end) {
            return "";
        }
        String v = decode(rawQuery, nameEnd + 1, end, true);
        return v == null ? MALFORMED : v;
    }
}
