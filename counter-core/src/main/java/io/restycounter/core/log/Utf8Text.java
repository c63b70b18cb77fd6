package io.restycounter.core.log;

/**
 * Header values as the text they are. HTTP servers hand a header over one character per byte
 * (ISO-8859-1), so a UTF-8 User-Agent arrives as mojibake ({@code Ã©} for {@code é}); when every
 * character of a value is such a byte and the bytes are well-formed UTF-8, this decodes them, into a
 * buffer it reuses. Anything else (plain ASCII, text already decoded, bytes that are not UTF-8) is left
 * as it is, and the JSON encoder escapes it as before. Not thread-safe: the log writer's own.
 */
final class Utf8Text {

    private char[] chars = new char[256];
    private int length;

    /**
     * Decodes {@code value} into {@link #chars()} when it is UTF-8 bytes carried as ISO-8859-1 characters
     * with at least one byte above ASCII; false, and nothing decoded, otherwise.
     */
    boolean decode(String value) {
        int n = value.length();
        boolean high = false;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c > 0xFF) {
                return false;
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return false;
        }
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        int out = 0;
        int i = 0;
        while (i < n) {
            int b = value.charAt(i);
            if (b < 0x80) {
                chars[out++] = (char) b;
                i++;
                continue;
            }
            int more;
            int cp;
            int min2 = 0x80;
            int max2 = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                more = 1;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                more = 2;
                cp = b & 0x0F;
                if (b == 0xE0) {
                    min2 = 0xA0; // no overlong forms
                } else if (b == 0xED) {
                    max2 = 0x9F; // no surrogates
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                more = 3;
                cp = b & 0x07;
                if (b == 0xF0) {
                    min2 = 0x90;
                } else if (b == 0xF4) {
                    max2 = 0x8F; // nothing above U+10FFFF
                }
            } else {
                return false;
            }
            if (i + more >= n) {
                return false;
            }
            for (int k = 1; k <= more; k++) {
                int c = value.charAt(i + k);
                int lo = k == 1 ? min2 : 0x80;
                int hi = k == 1 ? max2 : 0xBF;
                if (c < lo || c > hi) {
                    return false;
                }
                cp = cp << 6 | c & 0x3F;
            }
            i += more + 1;
            if (cp >= 0x10000) {
                chars[out++] = Character.highSurrogate(cp);
                chars[out++] = Character.lowSurrogate(cp);
            } else {
                chars[out++] = (char) cp;
            }
        }
        length = out;
        return true;
    }

    char[] chars() {
        return chars;
    }

    int length() {
        return length;
    }
}
