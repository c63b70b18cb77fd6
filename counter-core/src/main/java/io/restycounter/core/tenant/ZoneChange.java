package io.restycounter.core.tenant;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A tenant's last change of time zone: hits whose date in the new zone is before {@code from} are
 * still dated in {@code before}, so no count made before the change moves to another day. {@code from}
 * is the first local date under the new zone; {@code tenant set ID time-zone} puts it after the current
 * date in both zones, so the change takes effect at the next local midnight. Only the last change is
 * kept: a second change once the first took effect forgets the zone before the first.
 */
public record ZoneChange(ZoneId before, LocalDate from) {

    public ZoneChange {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(from, "from");
    }
}
