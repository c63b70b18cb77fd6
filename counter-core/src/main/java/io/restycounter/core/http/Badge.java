package io.restycounter.core.http;

import io.restycounter.core.TenantKeys;
import java.util.Locale;

/**
 * One badge as SVG: a label on the left, a value on the right, each box as wide as its text
 * ({@link BadgeFont}) plus padding, each text told its width ({@code textLength}) so that no font makes
 * it overflow. Label and value are escaped for XML. Element ids carry a hash of the content, so several
 * badges inlined in one page do not share gradients or clips.
 */
final class Badge {

    /** The looks a badge may have: {@code style=flat} (the default), {@code flat-square}, {@code plastic}. */
    enum Style {
        FLAT("flat", 20, 3, ".1"),
        FLAT_SQUARE("flat-square", 20, 0, null),
        PLASTIC("plastic", 18, 4, ".25");

        final String name;
        final int height;
        final int radius;
        /** The opacity of the gloss gradient, or null for none. */
        final String gloss;

        Style(String name, int height, int radius, String gloss) {
            this.name = name;
            this.height = height;
            this.radius = radius;
            this.gloss = gloss;
        }

        /** The style called {@code name}, or null when there is none. */
        static Style named(String name) {
            for (Style s : values()) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
            return null;
        }
    }

    static final String LABEL_COLOR = "#555";
    static final String COUNT_COLOR = "#4c1";
    static final String ERROR_COLOR = "#e05d44";
    /** Space on either side of a text, in pixels. */
    static final int PADDING = 6;

    private Badge() {
    }

    /** The badge's SVG; {@code title} is what a screen reader and a tooltip say. */
    static String svg(String label, String value, String color, Style style, String title) {
        double labelText = BadgeFont.width(label);
        double valueText = BadgeFont.width(value);
        int labelWidth = (int) Math.ceil(labelText) + 2 * PADDING;
        int valueWidth = (int) Math.ceil(valueText) + 2 * PADDING;
        int width = labelWidth + valueWidth;
        int h = style.height;
        int baseline = h - 6;
        String id = TenantKeys.sha256Hex(label + '\n' + value + '\n' + color + '\n' + style.name).substring(0, 8);
        String t = xml(title);
        StringBuilder b = new StringBuilder(1024);
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(h)
                .append("\" role=\"img\" aria-label=\"").append(t).append("\"><title>").append(t).append("</title>");
        if (style.gloss != null) {
            b.append("<linearGradient id=\"g").append(id).append("\" x2=\"0\" y2=\"100%\">")
                    .append("<stop offset=\"0\" stop-color=\"#fff\" stop-opacity=\"").append(style.gloss).append("\"/>")
                    .append("<stop offset=\"1\" stop-opacity=\"").append(style.gloss).append("\"/></linearGradient>");
        }
        b.append("<clipPath id=\"c").append(id).append("\"><rect width=\"").append(width).append("\" height=\"")
                .append(h).append("\" rx=\"").append(style.radius).append("\" fill=\"#fff\"/></clipPath>")
                .append("<g clip-path=\"url(#c").append(id).append(")\">")
                .append("<rect class=\"label\" width=\"").append(labelWidth).append("\" height=\"").append(h)
                .append("\" fill=\"").append(LABEL_COLOR).append("\"/>")
                .append("<rect class=\"value\" x=\"").append(labelWidth).append("\" width=\"").append(valueWidth)
                .append("\" height=\"").append(h).append("\" fill=\"").append(color).append("\"/>");
        if (style.gloss != null) {
            b.append("<rect width=\"").append(width).append("\" height=\"").append(h).append("\" fill=\"url(#g")
                    .append(id).append(")\"/>");
        }
        b.append("</g><g fill=\"#fff\" font-family=\"").append(BadgeFont.FAMILY).append("\" font-size=\"")
                .append(BadgeFont.FONT_SIZE).append("\">");
        text(b, "label", PADDING, baseline, labelText, label, style);
        text(b, "value", labelWidth + PADDING, baseline, valueText, value, style);
        return b.append("</g></svg>").toString();
    }

    /** One text, with a faint shadow a pixel below it unless the style is flat-square. */
    private static void text(StringBuilder b, String cls, int x, int y, double width, String text, Style style) {
        String length = String.format(Locale.ROOT, "%.2f", width);
        String content = xml(text);
        if (style.gloss != null) {
            b.append("<text aria-hidden=\"true\" x=\"").append(x).append("\" y=\"").append(y + 1)
                    .append("\" fill=\"#010101\" fill-opacity=\".3\" textLength=\"").append(length)
                    .append("\" lengthAdjust=\"spacingAndGlyphs\">").append(content).append("</text>");
        }
        b.append("<text class=\"").append(cls).append("\" x=\"").append(x).append("\" y=\"").append(y)
                .append("\" textLength=\"").append(length).append("\" lengthAdjust=\"spacingAndGlyphs\">")
                .append(content).append("</text>");
    }

    /** {@code s} as XML character data or attribute value: markup characters as entities. */
    static String xml(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String e = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (e != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (e != null) {
                    b.append(e);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
