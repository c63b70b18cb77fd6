package io.restycounter.core;

/** The permanent record of counted hits. {@link #append} never waits on a disk. */
public interface HitLog extends AutoCloseable {

    /**
     * Queues the hit for writing.
     *
     * @return false when the queue is full: the hit must be refused, not counted
     */
    boolean append(Hit hit);

    /**
     * Who takes back the count of a hit this log accepted but could not write before it stopped (its
     * disk refused writes until then). Called on the log's own thread; set before the log starts.
     */
    default void takeBackWith(TakeBack takeBack) {
    }

    /** Writes everything queued so far to the operating system and waits for it. */
    void flush();

    /** True while the last write succeeded; while false, {@link #append} refuses every hit. */
    boolean healthy();

    /** Queue depth and writes so far; cheap enough for a metrics scrape. */
    default LogStats stats() {
        return LogStats.NONE;
    }

    /** Writes what is queued and closes the file. */
    @Override
    void close();

    /** Takes a hit's count back out of the live store. */
    @FunctionalInterface
    interface TakeBack {

        /** @return false when the store refused to take it back */
        boolean takeBack(Hit hit);
    }
}
