package io.restycounter.core;

import java.net.InetAddress;
import java.util.Optional;

/** Resolves a client address to a location. Implementations are thread-safe and never do I/O per call. */
public interface GeoIp extends AutoCloseable {

    Optional<Geo> lookup(InetAddress address);

    @Override
    default void close() {
    }

    /** The null object, for a counter that runs without a database. */
    static GeoIp none() {
        return None.INSTANCE;
    }

    /** What {@link #none()} returns: never a location. */
    enum None implements GeoIp {
        INSTANCE;

        @Override
        public Optional<Geo> lookup(InetAddress address) {
            return Optional.empty();
        }
    }
}
