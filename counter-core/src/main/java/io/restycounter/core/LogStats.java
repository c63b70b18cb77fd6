package io.restycounter.core;

/**
 * What a {@link HitLog} tells an operator, read off the request path.
 *
 * @param queued     hits accepted and not yet handed to the operating system
 * @param writes     writes to the file since start
 * @param writeNanos time spent in those writes
 */
public record LogStats(long queued, long writes, long writeNanos) {

    public static final LogStats NONE = new LogStats(0, 0, 0);
}
