package io.restycounter.core;

/** The permanent record of counted hits. {@link #append} never waits on a disk. */
public interface HitLog extends AutoCloseable {

    /**
     * Queues the hit for writing.
     *
     * @return false when the queue is full: the hit must be refused, not counted
     */
    boolean append(Hit hit);

    /** Writes everything queued so far to the operating system and waits for it. */
    void flush();

    /** True while the last write succeeded. */
    boolean healthy();

    /** Writes what is queued and closes the file. */
    @Override
    void close();
}
