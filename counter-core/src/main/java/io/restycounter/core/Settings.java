package io.restycounter.core;

import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Named configuration values, read once at start. The names are the environment variables'
 * ({@code REDIS_HOST}, ...); {@link #fromEnvironment()} also accepts them as {@code -Dcounter.NAME}
 * system properties, which win. Every typed getter throws {@link ConfigException} with a message
 * naming the setting; secrets are never echoed back.
 */
public final class Settings {

    private final UnaryOperator<String> lookup;

    private Settings(UnaryOperator<String> lookup) {
        this.lookup = lookup;
    }

    /** {@code -Dcounter.NAME} system properties, then environment variables. */
    public static Settings fromEnvironment() {
        return of(name -> {
            String v = System.getProperty("counter." + name);
            return v != null ? v : System.getenv(name);
        });
    }

    public static Settings of(UnaryOperator<String> lookup) {
        return new Settings(Objects.requireNonNull(lookup));
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    /** These settings, with {@code first} consulted before them. */
    public Settings over(UnaryOperator<String> first) {
        return new Settings(name -> {
            String v = first.apply(name);
            return v != null ? v : lookup.apply(name);
        });
    }

    /** The trimmed value, or null when unset or blank. */
    public String get(String name) {
        String v = lookup.apply(name);
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    public String get(String name, String fallback) {
        String v = get(name);
        return v == null ? fallback : v;
    }

    public int getInt(String name, int fallback, int min, int max) {
        long v = getLong(name, fallback, min, max);
        return (int) v;
    }

    public long getLong(String name, long fallback, long min, long max) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw invalid(name, "an integer from " + min + " to " + max, v);
        }
        if (parsed < min || parsed > max) {
            throw invalid(name, "an integer from " + min + " to " + max, v);
        }
        return parsed;
    }

    /** A zone id such as {@code UTC} or {@code Europe/Berlin}. */
    public java.time.ZoneId getZone(String name, String fallback) {
        String v = get(name, fallback);
        try {
            return java.time.ZoneId.of(v);
        } catch (java.time.DateTimeException e) {
            throw invalid(name, "a zone id such as UTC or Europe/Berlin", v);
        }
    }

    /** A file or directory path; nothing is created or checked on disk. */
    public java.nio.file.Path getPath(String name, String fallback) {
        String v = get(name, fallback);
        try {
            return java.nio.file.Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw invalid(name, "a path", v);
        }
    }

    public boolean getBoolean(String name, boolean fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw invalid(name, "true or false", v);
        };
    }

    /** A ConfigException for {@code name} that shows the offending value, cut short. */
    public static ConfigException invalid(String name, String expected, String got) {
        String shown = got.length() > 60 ? got.substring(0, 60) + "..." : got;
        return new ConfigException(name + ": expected " + expected + ", got \"" + shown + "\"");
    }

    /** A ConfigException for a secret: says what was wrong without showing the value. */
    public static ConfigException invalidSecret(String name, String expected) {
        return new ConfigException(name + ": expected " + expected + " (value not shown)");
    }
}
