package io.restycounter.core.http;

/**
 * How wide a badge's text is: the advance widths of DejaVu Sans at 11 px (the badge's first font; Verdana
 * and the others after it in the SVG are about as wide), in hundredths of a pixel, for U+0020 to U+007E
 * and U+00A0 to U+017F. Measured from the font file with {@code java.awt.Font}
 * ({@code BadgeFontTest} measures again and compares, and prints the table). Any other character counts
 * as one em, the width of a CJK ideograph; the SVG's {@code textLength} makes the browser fit the text
 * into the width given here, so a wrong guess squeezes or stretches a character but never overflows.
 */
final class BadgeFont {

    static final int FONT_SIZE = 11;
    static final String FAMILY = "DejaVu Sans,Verdana,Geneva,sans-serif";
    private static final int EM = FONT_SIZE * 100;
    private static final int LATIN_START = 0xA0;
    private static final int LATIN_END = 0x17F;

    /** U+0020..U+007E, then U+00A0..U+017F. */
    static final short[] ADVANCES = {
        350, 441, 506, 922, 700, 1045, 858, 302, 429, 429, 550, 922, 350, 397, 350, 371,
        700, 700, 700, 700, 700, 700, 700, 700, 700, 700, 371, 371, 922, 922, 922, 584,
        1100, 752, 755, 768, 847, 695, 633, 852, 827, 324, 324, 721, 613, 949, 823, 866,
        663, 866, 764, 698, 672, 805, 752, 1088, 754, 672, 754, 429, 371, 429, 922, 550,
        550, 674, 698, 605, 698, 677, 387, 698, 697, 306, 306, 637, 306, 1072, 697, 673,
        698, 698, 452, 573, 431, 697, 651, 900, 651, 651, 577, 700, 371, 700, 922, 350,
        441, 700, 700, 700, 700, 371, 550, 550, 1100, 518, 673, 922, 397, 1100, 550, 550,
        922, 441, 441, 550, 700, 700, 350, 550, 441, 518, 673, 1066, 1066, 1066, 584, 752,
        752, 752, 752, 752, 752, 1072, 768, 695, 695, 695, 695, 324, 324, 324, 324, 852,
        823, 866, 866, 866, 866, 866, 922, 866, 805, 805, 805, 805, 672, 665, 693, 674,
        674, 674, 674, 674, 674, 1080, 605, 677, 677, 677, 677, 306, 306, 306, 306, 673,
        697, 673, 673, 673, 673, 673, 922, 673, 697, 697, 697, 697, 651, 698, 651, 752,
        674, 752, 674, 752, 674, 768, 605, 768, 605, 768, 605, 768, 605, 847, 698, 852,
        698, 695, 677, 695, 677, 695, 677, 695, 677, 695, 677, 852, 698, 852, 698, 852,
        698, 852, 698, 827, 697, 1008, 764, 324, 306, 324, 306, 324, 306, 324, 306, 324,
        306, 649, 611, 324, 306, 721, 637, 637, 613, 306, 613, 306, 613, 413, 613, 376,
        618, 313, 823, 697, 823, 697, 823, 697, 895, 823, 697, 866, 673, 866, 673, 866,
        673, 1177, 1125, 764, 452, 764, 452, 764, 452, 698, 573, 698, 573, 698, 573, 698,
        573, 672, 431, 672, 431, 672, 431, 805, 697, 805, 697, 805, 697, 805, 697, 805,
        697, 805, 697, 1088, 900, 672, 651, 672, 754, 577, 754, 577, 754, 577, 387
    };

    private BadgeFont() {
    }

    /** The width of {@code text} in pixels, at {@value #FONT_SIZE} px. */
    static double width(String text) {
        long hundredths = 0;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            hundredths += advance(c);
            i += Character.charCount(c);
        }
        return hundredths / 100.0;
    }

    /** One character's advance in hundredths of a pixel. */
    static int advance(int c) {
        if (c >= 0x20 && c <= 0x7E) {
            return ADVANCES[c - 0x20];
        }
        if (c >= LATIN_START && c <= LATIN_END) {
            return ADVANCES[0x7F - 0x20 + c - LATIN_START];
        }
        return EM;
    }
}
