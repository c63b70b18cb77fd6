package io.restycounter.core;

/**
 * A part that works in the background (the store's flusher, the log writer, a daily job, the S3
 * shipper, the GeoIP updater, certificate renewal), started and stopped by whoever owns it.
 */
public interface Lifecycle extends AutoCloseable {

    /**
     * Starts the background work; a second call does nothing. A start that fails throws and leaves
     * nothing of this part running.
     */
    void start();

    /**
     * Stops the background work and releases what it holds, within a bounded time (each part says how
     * long). Safe to call more than once, and before or without {@link #start()}.
     */
    void stop();

    /** The same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
