package io.restycounter.core;

/**
 * What became of a hit that was not simply counted, as the query JSON shows it per counter and day
 * ({@code "fates":{"bot":3,...}}). Counted hits are the {@code count}; {@link #PRIVATE} is a tally beside
 * it (counted, and also here). Kept only for a well-formed tenant and counter that the registry admits:
 * a refusal that must create nothing (a tenant not registered, a counter its rules deny, a counter past
 * the tenant's max-new-counters-per-day) has no fate.
 */
public enum Fate {
    /** A crawler or headless browser, logged with "bot":true and not counted (COUNT_BOTS=false). */
    BOT("bot"),
    /** The client sent more than RATE_LIMIT hits a second: 429. */
    RATE_LIMITED("rate_limited"),
    /** The tenant sent more than its max-hits-per-second: 429. */
    OVER_QUOTA("over_quota"),
    /** A signing tenant's pixel without a valid {@code sig}: 403. */
    BAD_SIGNATURE("bad_signature"),
    /** A bad {@code v} or a refused {@code redir}: 400. */
    REFUSED("refused"),
    /** Counted for a client that asked not to be tracked (PRIVACY=respect-signals): also in the count. */
    PRIVATE("private"),
    /** A browser prefetch or prerender of a tenant that does not count them: not counted. */
    PREFETCH("prefetch");

    /** The fates in ordinal order, so a {@code long[]} of counts is indexed by {@link #ordinal()}. */
    public static final java.util.List<Fate> ALL = java.util.List.of(values());
    /** How many fates there are: the length of a {@code long[]} of counts. */
    public static final int COUNT = ALL.size();

    private final String jsonName;

    Fate(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in the query JSON, and in Redis's {@code rcf:} fields. */
    public String jsonName() {
        return jsonName;
    }

    /** The fate of {@code name}, or null. */
    public static Fate ofJsonName(String name) {
        for (Fate f : ALL) {
            if (f.jsonName.equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Whether every count in {@code counts} (indexed by ordinal) is 0. */
    public static boolean none(long[] counts) {
        if (counts != null) {
            for (long c : counts) {
                if (c != 0) {
                    return false;
                }
            }
        }
        return true;
    }
}
