package io.restycounter.core;

/** The backing store of a {@link CounterStore} did not answer or refused a command. */
public class StoreException extends Exception {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
