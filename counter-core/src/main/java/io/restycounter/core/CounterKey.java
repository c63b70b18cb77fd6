package io.restycounter.core;

/**
 * One counter of one tenant. Both parts are validated here, so every {@code CounterKey} in the
 * system is safe to use in a Redis key, a file and a log line.
 *
 * @param tenant  {@code [a-z0-9]{1,32}}
 * @param counter 1 to 128 characters of {@code [A-Za-z0-9._~-]}, not {@code .} or {@code ..}
 */
public record CounterKey(String tenant, String counter) {

    public static final int MAX_TENANT_LENGTH = 32;
    public static final int MAX_COUNTER_LENGTH = 128;

    public CounterKey {
        if (!isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got " + quote(tenant));
        }
        if (!isValidCounter(counter)) {
            throw new IllegalArgumentException(
                    "counter: expected 1 to 128 characters of [A-Za-z0-9._~-], got " + quote(counter));
        }
    }

    public static boolean isValidTenant(CharSequence s) {
        if (s == null || s.length() == 0 || s.length() > MAX_TENANT_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    public static boolean isValidCounter(CharSequence s) {
        if (s == null || s.length() == 0 || s.length() > MAX_COUNTER_LENGTH) {
            return false;
        }
        boolean onlyDots = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isCounterChar(c)) {
                return false;
            }
            onlyDots &= c == '.';
        }
        // "." and ".." are path navigation, never names; "..." is harmless but equally meaningless.
        return !onlyDots;
    }

    static boolean isCounterChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '~' || c == '-';
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return '"' + cut.replaceAll("[\\p{Cntrl}\"]", "?") + '"';
    }

    // Written out because every hit looks its key up in a map: the record's generated methods go
    // through a method-handle chain that showed up in the pixel path's profile.
    @Override
    public int hashCode() {
        return 31 * tenant.hashCode() + counter.hashCode();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CounterKey other && tenant.equals(other.tenant) && counter.equals(other.counter);
    }

    @Override
    public String toString() {
        return tenant + '/' + counter;
    }
}
