package io.restycounter.core.redis;

import java.time.LocalDate;

/** One counter's delta on one day, as it leaves {@link PendingDeltas} for a {@link Batch}. */
record Delta(LocalDate day, String counter, long inc) {
}
