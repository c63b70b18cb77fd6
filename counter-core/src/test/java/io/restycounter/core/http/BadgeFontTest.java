package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link BadgeFont}'s table is DejaVu Sans at 11 px: measured again here from the font file with
 * {@code java.awt.Font}, headless. {@link #main} prints the table, to make it anew.
 */
class BadgeFontTest {

    /** Debian's fonts-dejavu-core, which Chromium's package pulls in. */
    static final Path DEJAVU_SANS = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");

    static int[] measure() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Font font = Font.createFont(Font.TRUETYPE_FONT, DEJAVU_SANS.toFile()).deriveFont((float) BadgeFont.FONT_SIZE);
        FontRenderContext frc = new FontRenderContext(null, true, true);
        int[] out = new int[BadgeFont.ADVANCES.length];
        int i = 0;
        for (int c = 0x20; c <= 0x17F; c++) {
            if (c >= 0x7F && c < 0xA0) {
                continue;
            }
            float advance = font.createGlyphVector(frc, new String(Character.toChars(c))).getGlyphMetrics(0).getAdvance();
            out[i++] = Math.round(advance * 100);
        }
        assertEquals(out.length, i);
        return out;
    }

    @Test
    void theTableIsTheFontsAdvanceWidths() throws Exception {
        assumeTrue(Files.isReadable(DEJAVU_SANS), "DejaVu Sans is not installed (apt-get install fonts-dejavu-core)");
        int[] measured = measure();
        for (int i = 0; i < measured.length; i++) {
            assertEquals(measured[i], BadgeFont.ADVANCES[i], "entry " + i);
        }
    }

    public static void main(String[] args) throws Exception {
        int[] w = measure();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            b.append(i % 16 == 0 ? "\n        " : " ").append(w[i]).append(',');
        }
        System.out.println(b);
    }
}
