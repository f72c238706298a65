package dev.reembed.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import dev.reembed.common.SqlIdentifier;
import dev.reembed.schema.SchemaCatalog;

/**
 * {@link PgvectorEnablement.Catalog} on a real connection: the catalog queries of seed 002 (the
 * version reads are {@link SchemaCatalog}'s).
 */
public final class JdbcPgvectorCatalog implements PgvectorEnablement.Catalog {

    /** A plain lower-case SQL identifier: the only form accepted for the extension's schema. */

    private final Connection connection;

    public JdbcPgvectorCatalog(Connection connection) {
        this.connection = connection;
    }

    @Override
    public int serverVersionNum() throws SQLException {
        return SchemaCatalog.serverVersionNum(connection);
    }

    @Override
    public String serverVersion() throws SQLException {
        return SchemaCatalog.serverVersion(connection);
    }

    @Override
    public boolean extensionAvailable() throws SQLException {
        return bool("select exists (select 1 from pg_available_extensions where name = 'vector')");
    }

    @Override
    public Optional<String> installedVersion() throws SQLException {
        return SchemaCatalog.pgvectorVersion(connection);
    }

    @Override
    public boolean foreignVectorTypeExists() throws SQLException {
        return bool("""
                select exists (
                  select 1 from pg_type t
                  where t.typname = 'vector' and pg_type_is_visible(t.oid)
                    and not exists (select 1 from pg_depend d join pg_extension e on e.oid = d.refobjid
                                    where d.objid = t.oid and d.deptype = 'e' and e.extname = 'vector'))""");
    }

    @Override
    public void createExtension(Optional<String> schema) throws SQLException {
        String sql = "create extension if not exists vector";
        if (schema.isPresent()) {
            String s = schema.get();
            if (!SqlIdentifier.isValid(s)) {
                throw new PgvectorEnablementException("pgvector schema must be a plain lower-case identifier: " + s);
            }
            sql += " schema " + s; // validated above, and it comes from configuration, not requests
        }
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    public boolean vectorTypeFunctional() throws SQLException {
        // 'vector'::regtype fails when the type is missing; the three operators must give known answers.
        return bool("""
                select 'vector'::regtype is not null
                   and '[1,2,3]'::vector = '[1,2,3]'::vector
                   and abs(('[1,0]'::vector <-> '[0,1]'::vector) - sqrt(2)) < 1e-6
                   and abs(('[1,0]'::vector <=> '[0,1]'::vector) - 1) < 1e-6
                   and abs(('[1,2]'::vector <#> '[3,4]'::vector) + 11) < 1e-6""");
    }

    private boolean bool(String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
