package io.restycounter.app;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes an HTTP/1 connection whose request head (request line and headers) has not arrived whole
 * {@code timeout} after it began, however the client drips it: the idle timeout restarts with every
 * byte, so one header line every 20 s would keep a request open for ever. A new connection's first head
 * begins when it opens; a later one with its first byte. Each connection is looked at every quarter of
 * the timeout, so it closes between the timeout and one and a half times it. Nothing runs per request.
 */
final class HeaderTimeout implements Connection.Listener {

    private final long timeoutNanos;
    private final Scheduler scheduler;

    HeaderTimeout(long timeoutMillis, Scheduler scheduler) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            new Watch(http).schedule();
        }
    }

    /** The check of one connection; its fields are only touched by its own scheduled runs. */
    private final class Watch implements Runnable {

        private final HttpConnection connection;
        /** When the head in progress was first seen (the open, for the first head), or -1 between heads. */
        private long since = System.nanoTime();
        /** Requests the connection had taken when {@link #since} was set. */
        private long requests;

        Watch(HttpConnection connection) {
            this.connection = connection;
        }

        void schedule() {
            scheduler.schedule(this, Math.max(1, timeoutNanos / 4), TimeUnit.NANOSECONDS);
        }

        @Override
        public void run() {
            if (!connection.getEndPoint().isOpen() || connection.getEndPoint().getConnection() != connection) {
                return; // closed, or upgraded to HTTP/2, which bounds its own frames
            }
            long taken = connection.getMessagesIn();
            HttpParser parser = connection.getParser();
            boolean inHead = parser.inHeaderState() && (taken == 0 || !parser.isStart());
            long now = System.nanoTime();
            if (!inHead) {
                since = -1;
            } else if (since == -1 || taken != requests) {
                since = now;
                requests = taken;
            } else if (now - since >= timeoutNanos) {
                connection.getEndPoint().close();
                return;
            }
            schedule();
        }
    }
}
