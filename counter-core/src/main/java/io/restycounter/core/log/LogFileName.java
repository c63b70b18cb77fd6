package io.restycounter.core.log;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The name of one daily log file: {@code yyyy-MM-dd-access.log}, or {@code yyyy-MM-dd-{node}-access.log}
 * when the counter runs with a node id.
 *
 * @param node null when the counter runs without a node id
 */
public record LogFileName(LocalDate day, String node) {

    private static final String SUFFIX = "-access.log";

    public LogFileName {
        if (day == null) {
            throw new IllegalArgumentException("day: required");
        }
        if (node != null && !isValidNode(node)) {
            throw new IllegalArgumentException("node: expected 1 to 64 characters of [A-Za-z0-9_.-], got \"" + node + "\"");
        }
    }

    public static boolean isValidNode(String node) {
        if (node == null || node.isEmpty() || node.length() > 64) {
            return false;
        }
        for (int i = 0; i < node.length(); i++) {
            char c = node.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A valid node id made from any name (a host name, say): characters outside [A-Za-z0-9_.-] become
     * {@code -}, cut to 64 characters; an empty result gives {@code node}.
     */
    public static String sanitizeNode(String name) {
        StringBuilder b = new StringBuilder();
        if (name != null) {
            for (int i = 0; i < name.length() && b.length() < 64; i++) {
                char c = name.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '_' || c == '.' || c == '-';
                b.append(ok ? c : '-');
            }
        }
        return b.length() == 0 ? "node" : b.toString();
    }

    /** Reads a file name back; anything that is not a daily log file gives empty. */
    public static Optional<LogFileName> parse(String fileName) {
        if (fileName == null || !fileName.endsWith(SUFFIX) || fileName.length() < 10 + SUFFIX.length()) {
            return Optional.empty();
        }
        LocalDate day;
        try {
            day = LocalDate.parse(fileName.substring(0, 10));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        String middle = fileName.substring(10, fileName.length() - SUFFIX.length());
        if (middle.isEmpty()) {
            return Optional.of(new LogFileName(day, null));
        }
        if (middle.charAt(0) != '-' || !isValidNode(middle.substring(1))) {
            return Optional.empty();
        }
        return Optional.of(new LogFileName(day, middle.substring(1)));
    }

    @Override
    public String toString() {
        return node == null ? day + SUFFIX : day + "-" + node + SUFFIX;
    }
}
