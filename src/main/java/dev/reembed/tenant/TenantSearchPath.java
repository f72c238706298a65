package dev.reembed.tenant;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.SqlIdentifier;
import io.agroal.api.AgroalPoolInterceptor;

/**
 * With tenants on, every connection the pool hands out gets the search_path of the current
 * {@link TenantContext}: {@code "<tenant>", <shared>}, or {@code "<service schema>", <shared>} for
 * the service's own store. All SQL of the
 * service names its tables unqualified, so this one place decides which tenant a statement reads.
 * Set at each acquire (not once per connection): a pooled connection served another tenant before.
 */
@ApplicationScoped
public class TenantSearchPath implements AgroalPoolInterceptor {

    private final TenancyConfig config;

    public TenantSearchPath(TenancyConfig config) {
        this.config = config;
    }

    @Override
    public void onConnectionAcquire(Connection connection) {
        if (!config.enabled()) {
            return;
        }
        String schema = TenantContext.current().orElse(config.serviceSchema());
        String path = SqlIdentifier.quote(schema) + ", " + config.sharedSearchPath();
        try (PreparedStatement ps = connection.prepareStatement("select set_config('search_path', ?, false)")) {
            ps.setString(1, path);
            ps.execute();
        } catch (SQLException e) {
            // A connection in the wrong schema must not be used: fail the acquire.
            throw new IllegalStateException("Cannot set the search_path of a tenant's connection: " + e.getMessage(), e);
        }
    }
}
