package io.restycounter.core.tenant;

import io.restycounter.core.StoreException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where the registry is kept: the TENANTS file ({@link FileTenantSource}) or Redis. Read whole by
 * {@link TenantRegistry} when {@link #version()} changes; changed one tenant at a time by the
 * {@code tenant} command.
 */
public interface TenantSource extends AutoCloseable {

    /** A cheap token that changes whenever the tenants change: one stat, or one Redis GET. */
    Object version() throws StoreException;

    /** Every tenant, checked. */
    Map<String, TenantSettings> load() throws StoreException;

    /** Whether {@code id} is registered. */
    default boolean exists(String id) throws StoreException {
        return load().containsKey(id);
    }

    /**
     * Changes tenant {@code id} with {@code change} and stores the result, so that concurrent changes
     * of other tenants (and, in Redis, of other settings) are not lost.
     *
     * @param create whether a tenant not registered yet is made ({@code change} then sees its defaults)
     * @return the stored settings
     * @throws UnknownTenantException when {@code id} is not registered and {@code create} is false
     * @throws IllegalArgumentException from {@code change}, for a bad value; nothing is stored then
     */
    TenantSettings update(String id, boolean create, UnaryOperator<TenantSettings> change) throws StoreException;

    /** Removes tenant {@code id} and its keys; false when it was not registered. Its counts stay. */
    boolean remove(String id) throws StoreException;

    /** Where the tenants are, for messages: the file, or "redis". */
    String describe();

    @Override
    default void close() {
    }

    /** A change asked of a tenant the registry does not have. */
    final class UnknownTenantException extends StoreException {
        private static final long serialVersionUID = 1L;

        public UnknownTenantException(String id, String where) {
            super("tenant: " + id + " is not registered in " + where + " (tenant add " + id + " first)");
        }
    }
}
