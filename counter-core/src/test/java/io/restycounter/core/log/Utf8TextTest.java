package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8TextTest {

    private final Utf8Text utf8 = new Utf8Text();

    /** What a server hands over for {@code bytes}: one ISO-8859-1 character per byte. */
    private static String asServerGives(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private String decoded(String text) {
        assertTrue(utf8.decode(asServerGives(text.getBytes(StandardCharsets.UTF_8))), text);
        return new String(utf8.chars(), 0, utf8.length());
    }

    @Test
    void utf8BytesBecomeTheirText() {
        for (String text : new String[] {"é", "Ünïcødé", "日本語", "😀 and 𝄞", "a\u2028b", "\u0085", "x".repeat(300) + "ü"}) {
            assertEquals(text, decoded(text));
        }
    }

    @Test
    void asciiTextAlreadyDecodedAndNonUtf8BytesAreLeftAlone() {
        assertFalse(utf8.decode("plain ascii"), "nothing to do");
        assertFalse(utf8.decode("日本"), "already text");
        for (int[] bytes : new int[][] {
            {0xE9},                   // Latin-1 é
            {0xC3},                   // cut short
            {0xC3, 0x28},             // bad continuation
            {0xC0, 0xAF},             // overlong /
            {0xE0, 0x80, 0xAF},       // overlong
            {0xED, 0xA0, 0x80},       // a surrogate
            {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
            {0xF8, 0x88, 0x80, 0x80, 0x80},
            {0x80}}) {
            byte[] b = new byte[bytes.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) bytes[i];
            }
            assertFalse(utf8.decode("x" + asServerGives(b) + "y"), java.util.Arrays.toString(bytes));
        }
    }
}
