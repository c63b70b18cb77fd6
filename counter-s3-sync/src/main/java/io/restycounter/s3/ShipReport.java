package io.restycounter.s3;

import java.util.List;

/**
 * What one {@link LogShipper#shipClosed()} pass did, by file name.
 *
 * @param shipped        uploaded, confirmed by S3, moved to {@code shipped/}
 * @param alreadyPresent S3 already held the same bytes; moved to {@code shipped/} without an upload
 * @param conflicts      S3 holds different bytes under the key: left alone on both sides
 * @param failed         not shipped this time (S3 or disk error); the file stays for the next run
 * @param notClosed      daily logs still open: today's, or written to in the last minute
 * @param expired        shipped files deleted after LOG_RETAIN_DAYS
 */
public record ShipReport(List<String> shipped, List<String> alreadyPresent, List<String> conflicts,
                         List<Failure> failed, List<String> notClosed, List<String> expired) {

    /** A file that was not shipped, and why. */
    public record Failure(String file, String reason) {
    }

    public ShipReport {
        shipped = List.copyOf(shipped);
        alreadyPresent = List.copyOf(alreadyPresent);
        conflicts = List.copyOf(conflicts);
        failed = List.copyOf(failed);
        notClosed = List.copyOf(notClosed);
        expired = List.copyOf(expired);
    }

    /** True when every closed file is now held by S3. */
    public boolean ok() {
        return failed.isEmpty() && conflicts.isEmpty();
    }

    @Override
    public String toString() {
        return "shipped " + shipped.size() + ", already present " + alreadyPresent.size()
                + ", conflicts " + conflicts.size() + ", failed " + failed.size()
                + ", still open " + notClosed.size() + ", expired " + expired.size();
    }
}
