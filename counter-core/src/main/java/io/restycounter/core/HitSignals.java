package io.restycounter.core;

/**
 * What a request says about itself beyond the hit: a privacy signal of the visitor ({@code Sec-GPC: 1},
 * {@code DNT: 1}) or a browser fetching ahead of need ({@code Sec-Purpose: prefetch}, including
 * {@code prefetch;prerender}, {@code Purpose: prefetch}, {@code X-Moz: prefetch}). Bit flags, so a front
 * door collects them while it walks the headers, without allocating; {@link PrivacyPolicy} decides what
 * they change.
 */
public final class HitSignals {

    public static final int NONE = 0;
    /** {@code Sec-GPC: 1} (Global Privacy Control). */
    public static final int GLOBAL_PRIVACY_CONTROL = 1;
    /** {@code DNT: 1} (Do Not Track). */
    public static final int DO_NOT_TRACK = 1 << 1;
    /** A prefetch or prerender: the browser may never show what it fetched. */
    public static final int PREFETCH = 1 << 2;
    /** Either privacy signal. */
    public static final int ASKS_PRIVACY = GLOBAL_PRIVACY_CONTROL | DO_NOT_TRACK;

    /** The header names that carry a signal, for front doors that look headers up by name. */
    public static final String SEC_GPC = "Sec-GPC";
    public static final String DNT = "DNT";
    public static final String SEC_PURPOSE = "Sec-Purpose";
    public static final String PURPOSE = "Purpose";
    public static final String X_MOZ = "X-Moz";

    private HitSignals() {
    }

    /** The signal the header {@code name: value} carries, or {@link #NONE}; null values carry none. */
    public static int of(String name, String value) {
        if (name == null || value == null) {
            return NONE;
        }
        // Most headers of a pixel request are none of these: the length rules them out without a compare.
        switch (name.length()) {
            case 3:
                return name.equalsIgnoreCase(DNT) && isOne(value) ? DO_NOT_TRACK : NONE;
            case 5:
                return name.equalsIgnoreCase(X_MOZ) && isPrefetch(value) ? PREFETCH : NONE;
            case 7:
                if (name.equalsIgnoreCase(SEC_GPC)) {
                    return isOne(value) ? GLOBAL_PRIVACY_CONTROL : NONE;
                }
                return name.equalsIgnoreCase(PURPOSE) && isPrefetch(value) ? PREFETCH : NONE;
            case 11:
                return name.equalsIgnoreCase(SEC_PURPOSE) && isPrefetch(value) ? PREFETCH : NONE;
            default:
                return NONE;
        }
    }

    /** The signals of the five headers, looked up one by one (a servlet request). */
    public static int of(String secGpc, String dnt, String secPurpose, String purpose, String xMoz) {
        return of(SEC_GPC, secGpc) | of(DNT, dnt) | of(SEC_PURPOSE, secPurpose) | of(PURPOSE, purpose)
                | of(X_MOZ, xMoz);
    }

    /** {@code 1}, blanks around it allowed. */
    private static boolean isOne(String value) {
        int start = skipSpaces(value, 0);
        return start < value.length() && value.charAt(start) == '1' && skipSpaces(value, start + 1) == value.length();
    }

    /**
     * The token {@code prefetch} first, alone or followed by parameters or more list members
     * ({@code prefetch;prerender}, {@code prefetch;anonymous-client-ip}), any case.
     */
    private static boolean isPrefetch(String value) {
        int start = skipSpaces(value, 0);
        int end = start + 8;
        if (end > value.length() || !value.regionMatches(true, start, "prefetch", 0, 8)) {
            return false;
        }
        if (end == value.length()) {
            return true;
        }
        char next = value.charAt(end);
        return next == ';' || next == ',' || next == ' ' || next == '\t';
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
