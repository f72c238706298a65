package dev.reembed.security;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.reembed.tenant.TenantContext;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Every SQL statement of the security feature: keys and the audit log. */
@ApplicationScoped
public class ApiKeyRepository {

    @RegisterForReflection
    /** {@code tenants}: the tenants the key is limited to, null when it is not (omitted from JSON then). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ApiKey(long id, String name, String keyPrefix, String role, OffsetDateTime createdAt, String createdBy,
            OffsetDateTime expiresAt, OffsetDateTime revokedAt, OffsetDateTime lastUsedAt, List<String> tenants) {
    }

    private final AgroalDataSource dataSource;

    public ApiKeyRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Keys and their audit are the service's, whatever tenant a request is for. */
    private Connection connection() throws SQLException {
        return TenantContext.sharedConnection(dataSource);
    }

    /** A key that is neither revoked nor expired, by the hash of its secret. */
    public Optional<Caller> findActive(String hash) {
        try (Connection c = connection();
                PreparedStatement ps = c.prepareStatement("""
                        select id, key_prefix, name, role, tenants from api_keys
                        where key_hash = ? and revoked_at is null and (expires_at is null or expires_at > now())""")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Caller(rs.getLong(1), rs.getString(2), rs.getString(3), Role.fromWire(rs.getString(4)),
                        tenants(rs, 5)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot look up an API key", e);
        }
    }

    /** Last use, written at most once a minute per key so that reads stay reads. */
    public void touch(long id) {
        update("update api_keys set last_used_at = now() where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')",
                id);
    }

    public ApiKey insert(String name, String prefix, String hash, Role role, OffsetDateTime expiresAt, String createdBy,
            List<String> tenants) {
        try (Connection c = connection();
                PreparedStatement ps = c.prepareStatement("""
                        insert into api_keys (name, key_prefix, key_hash, role, expires_at, created_by, tenants)
                        values (?, ?, ?, ?, ?, ?, ?)
                        returning id, name, key_prefix, role, created_at, created_by, expires_at, revoked_at, last_used_at, tenants""")) {
            ps.setString(1, name);
            ps.setString(2, prefix);
            ps.setString(3, hash);
            ps.setString(4, role.wire());
            ps.setObject(5, expiresAt);
            ps.setString(6, createdBy);
            ps.setArray(7, tenants == null ? null : c.createArrayOf("text", tenants.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return key(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot store an API key", e);
        }
    }

    /** Stores the bootstrap key (hashed) unless it is there already; a revoked one stays revoked. */
    public void ensureBootstrap(String prefix, String hash) {
        try (Connection c = connection();
                PreparedStatement ps = c.prepareStatement("""
                        insert into api_keys (name, key_prefix, key_hash, role, created_by)
                        values ('bootstrap operator', ?, ?, 'operator', 'REEMBED_BOOTSTRAP_OPERATOR_KEY')
                        on conflict (key_hash) do nothing""")) {
            ps.setString(1, prefix);
            ps.setString(2, hash);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot store the bootstrap key", e);
        }
    }

    public List<ApiKey> list() {
        try (Connection c = connection();
                PreparedStatement ps = c.prepareStatement("""
                        select id, name, key_prefix, role, created_at, created_by, expires_at, revoked_at, last_used_at, tenants
                        from api_keys order by id""");
                ResultSet rs = ps.executeQuery()) {
            List<ApiKey> out = new ArrayList<>();
            while (rs.next()) {
                out.add(key(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot list API keys", e);
        }
    }

    /** Revokes a key; false when there is no such key or it was revoked already. */
    public boolean revoke(long id) {
        return update("update api_keys set revoked_at = now() where id = ? and revoked_at is null", id) == 1;
    }

    public boolean exists(long id) {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("select 1 from api_keys where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read API key " + id, e);
        }
    }

    public void audit(String keyPrefix, String action, String target, int status) {
        try (Connection c = connection();
                PreparedStatement ps = c.prepareStatement("insert into audit_log (key_prefix, action, target, status) values (?, ?, ?, ?)")) {
            ps.setString(1, keyPrefix);
            ps.setString(2, action);
            ps.setString(3, target);
            ps.setInt(4, status);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot write the audit log", e);
        }
    }

    private int update(String sql, long id) {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static ApiKey key(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getObject(5, OffsetDateTime.class),
                rs.getString(6), rs.getObject(7, OffsetDateTime.class), rs.getObject(8, OffsetDateTime.class),
                rs.getObject(9, OffsetDateTime.class), tenants(rs, 10));
    }

    private static List<String> tenants(ResultSet rs, int column) throws SQLException {
        java.sql.Array array = rs.getArray(column);
        return array == null ? null : List.of((String[]) array.getArray());
    }
}
