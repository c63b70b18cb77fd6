package io.restycounter.core.http;

import io.restycounter.core.TenantKeys;

/** Strong entity tags of answers held in memory, and the {@code If-None-Match} test. */
final class ETags {

    private ETags() {
    }

    /** A tag of {@code body}: the first 128 bits of its SHA-256, quoted. */
    static String of(String body) {
        return "\"" + TenantKeys.sha256Hex(body).substring(0, 32) + "\"";
    }

    /** Whether {@code ifNoneMatch} (a list, weak tags compared as strong ones, or {@code *}) names {@code etag}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String t : ifNoneMatch.split(",")) {
            String tag = t.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals(etag) || tag.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
