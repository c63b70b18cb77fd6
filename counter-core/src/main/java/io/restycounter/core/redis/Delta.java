package io.restycounter.core.redis;

import java.time.LocalDate;

/**
 * One counter's delta on one day, as it leaves {@link PendingDeltas} for a {@link Batch}, with the
 * visitor ids to add to its unique-visitor sketch ({@link HashedVisitors}); {@code inc} is 0 when
 * only visitors go.
 */
record Delta(LocalDate day, String counter, long inc, long[] visitors) {

    static final long[] NO_VISITORS = new long[0];

    Delta(LocalDate day, String counter, long inc) {
        this(day, counter, inc, NO_VISITORS);
    }

    /** A counter's hits, not a fate ({@link RedisFates}) or an hour ({@link RedisHours}) riding in the batch. */
    boolean isCount() {
        return counter.indexOf(RedisFates.SEPARATOR) < 0 && counter.indexOf(RedisHours.SEPARATOR) < 0;
    }
}
