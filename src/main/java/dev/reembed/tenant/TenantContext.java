package dev.reembed.tenant;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableContext;

/**
 * The schema the current work belongs to: a tenant's, or none (the service's own store). Background
 * work names it with {@link #call}; an HTTP request under {@code /api/tenants/{schema}/} carries it in
 * its {@link TenantRequest}. {@link TenantSearchPath} reads it whenever a connection leaves the pool,
 * so repositories never name a schema.
 */
public final class TenantContext {

    /** "" = explicitly the service's own store, which also hides a request's tenant. */
    private static final ThreadLocal<String> SCHEMA = new ThreadLocal<>();

    private TenantContext() {
    }

    public static Optional<String> current() {
        String explicit = SCHEMA.get();
        if (explicit != null) {
            return explicit.isEmpty() ? Optional.empty() : Optional.of(explicit);
        }
        var container = Arc.container();
        if (container != null) {
            InjectableContext requests = container.requestContext();
            if (requests.isActive()) {
                return Optional.ofNullable(container.instance(TenantRequest.class).get().schema());
            }
        }
        return Optional.empty();
    }

    /** A connection of the service's own store, whatever the current tenant (the search_path is set as it leaves the pool). */
    public static Connection sharedConnection(DataSource dataSource) throws SQLException {
        String before = SCHEMA.get();
        SCHEMA.set("");
        try {
            return dataSource.getConnection();
        } finally {
            restore(before);
        }
    }

    /** Runs {@code work} in {@code schema}'s store ({@code null}: the service's own). */
    public static <T> T call(String schema, Supplier<T> work) {
        String before = SCHEMA.get();
        SCHEMA.set(schema == null ? "" : schema);
        try {
            return work.get();
        } finally {
            restore(before);
        }
    }

    private static void restore(String before) {
        if (before == null) {
            SCHEMA.remove();
        } else {
            SCHEMA.set(before);
        }
    }

    public static void run(String schema, Runnable work) {
        call(schema, () -> {
            work.run();
            return null;
        });
    }

    /** Service-wide tables (API keys, their audit, companies) are read there whatever the request's tenant. */
    public static <T> T shared(Supplier<T> work) {
        return call(null, work);
    }
}
