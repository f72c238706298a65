package dev.reembed.tenant;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.SqlIdentifier;
import dev.reembed.common.Transactions;
import dev.reembed.schema.SqlTemplate;
import io.agroal.api.AgroalDataSource;

/**
 * Every SQL statement of the tenant feature: the companies, and the catalog facts about their
 * schemas. A schema's own tables are read only by a name {@link TenantNames} accepted, quoted.
 */
@ApplicationScoped
public class TenantRepository {

    /** One row of {@code companies} that is processed (active, not deleted). */
    public record Company(String companyName, String schemaName, String status) {
    }

    private final AgroalDataSource dataSource;

    public TenantRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Whether the companies table is on the shared search_path. */
    public boolean companiesTableExists() {
        return TenantContext.shared(() -> query("select to_regclass('companies') is not null", List.of(), rs -> rs.getBoolean(1)))
                .get(0);
    }

    /** The companies to process, as the seed has it: status 'active' and not deleted, read each time. */
    public List<Company> activeCompanies() {
        return TenantContext.shared(() -> query("""
                select company_name, schema_name, status from companies
                where status = 'active' and deleted_at is null order by schema_name""", List.of(),
                rs -> new Company(rs.getString(1), rs.getString(2), rs.getString(3))));
    }

    /** The processed company whose schema is {@code schema}, if any (bound, never interpolated). */
    public List<Company> activeCompany(String schema) {
        return TenantContext.shared(() -> query("""
                select company_name, schema_name, status from companies
                where status = 'active' and deleted_at is null and schema_name = ?""", List.of(schema),
                rs -> new Company(rs.getString(1), rs.getString(2), rs.getString(3))));
    }

    /** Tables of reembed's ({@code names}) in any of {@code schemas}, as schema.table. */
    public List<String> tablesIn(Collection<String> schemas, Collection<String> names) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = any(?) and c.relname = any(?) order by 1""")) {
            ps.setArray(1, c.createArrayOf("text", schemas.toArray()));
            ps.setArray(2, c.createArrayOf("text", names.toArray()));
            return read(ps, rs -> rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the shared schemas: " + e.getMessage(), e);
        }
    }

    private static final SqlTemplate ROW_SECURITY = SqlTemplate.load("tenant_row_security.sql");

    /**
     * Row-level security on the current tenant's question tables for the role {@code role} (an
     * unquoted identifier, checked here, so it is safe as the policy's literal).
     */
    public void enableRowSecurity(String role) {
        if (!SqlIdentifier.isValid(role)) {
            throw new IllegalArgumentException("Not a role name: " + role);
        }
        String sql = ROW_SECURITY.render(Map.of("role", role));
        Transactions.inTransaction(dataSource, "Row-level security of a tenant", c -> {
            try (var st = c.createStatement()) {
                return st.execute(sql);
            }
        });
    }

    /** Those of {@code schemas} that exist. */
    public Set<String> existingSchemas(Collection<String> schemas) {
        return new HashSet<>(queryNames("select nspname from pg_namespace where nspname = any(?)", schemas, rs -> rs.getString(1)));
    }

    /** Schemas among {@code schemas} whose Flyway history table exists: migrated at least once. */
    public Set<String> migratedSchemas(Collection<String> schemas) {
        return new HashSet<>(queryNames("""
                select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relname = 'flyway_schema_history' and n.nspname = any(?)""", schemas, rs -> rs.getString(1)));
    }

    /** {@code questions.embedding}'s type per schema, e.g. vector(768). */
    public Map<String, String> embeddingColumns(Collection<String> schemas) {
        Map<String, String> out = new HashMap<>();
        queryNames("""
                select n.nspname, format_type(a.atttypid, a.atttypmod)
                from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
                where c.relname = 'questions' and a.attname = 'embedding' and not a.attisdropped and n.nspname = any(?)""",
                schemas, rs -> out.put(rs.getString(1), rs.getString(2)));
        return out;
    }

    /** The tenant's {@code ai_config.embedding_model} (the first row that names one), when its schema has that table. */
    public Optional<String> configuredModel(String schema) {
        String table = SqlIdentifier.quote(schema) + ".ai_config";
        boolean present = query("select to_regclass(?) is not null", List.of(table), rs -> rs.getBoolean(1)).get(0);
        if (!present) {
            return Optional.empty();
        }
        // the name is validated and quoted: the only way to read a table of a schema chosen at run time
        return query("select embedding_model from " + table + " where embedding_model is not null limit 1", List.of(),
                rs -> rs.getString(1)).stream().findFirst().map(String::strip).filter(s -> !s.isEmpty());
    }

    /** Versions of the tenant's successful Flyway migrations. */
    public List<String> appliedVersions(String schema) {
        return query("select version from " + SqlIdentifier.quote(schema) + ".flyway_schema_history where success and version is not null",
                List.of(), rs -> rs.getString(1));
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> queryNames(String sql, Collection<String> names, Row<T> row) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            Array array = c.createArrayOf("text", names.toArray());
            ps.setArray(1, array);
            return read(ps, row);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the tenants' catalog: " + e.getMessage(), e);
        }
    }

    private <T> List<T> query(String sql, List<Object> args, Row<T> row) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            return read(ps, row);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the tenants: " + e.getMessage(), e);
        }
    }

    private static <T> List<T> read(PreparedStatement ps, Row<T> row) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(row.read(rs));
            }
        }
        return out;
    }
}
