package dev.reembed.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.ProblemException;
import dev.reembed.embedding.VectorColumnType;
import io.agroal.api.AgroalDataSource;

/**
 * What PostgreSQL's catalogs say about the question store: the embedding column's type and
 * dimensions, the search index, the search function, the PostgreSQL and pgvector versions. The one
 * class that reads them; migration, backfill, questions and verification all ask here.
 */
@ApplicationScoped
public class SchemaCatalog {

    /**
     * {@code type} as PostgreSQL prints it, e.g. {@code vector(768)} or {@code halfvec(3072)};
     * storage and dimensions null when it is not a pgvector type with a dimension.
     */
    public record ColumnInfo(String type, Integer dimensions, VectorColumnType storage) {

        public ColumnInfo(String type, Integer dimensions) {
            this(type, dimensions, dimensions == null ? null : VectorColumnType.VECTOR);
        }

        /** A vector or halfvec column of {@code dims} dimensions. */
        public boolean isVector(int dims) {
            return dimensions != null && dimensions == dims && storage != null;
        }
    }

    public record IndexInfo(String name, boolean present, Boolean valid, String method, String opclass) {

        public static IndexInfo missing() {
            return new IndexInfo(HnswIndex.NAME, false, null, null, null);
        }
    }

    /** Whether a function of that name exists, and whether one of them takes the arguments the application passes. */
    public record FunctionInfo(boolean present, boolean expectedArguments) {
    }

    private final AgroalDataSource dataSource;

    public SchemaCatalog(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<ColumnInfo> embeddingColumn() {
        return column("embedding");
    }

    /** A column of {@code questions}; {@code name} is a constant of this code base (bound, never concatenated). */
    public Optional<ColumnInfo> column(String name) {
        try (Connection c = dataSource.getConnection()) {
            return column(c, name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the column questions." + name, e);
        }
    }

    /** The same read on a connection of the caller's. */
    public static Optional<ColumnInfo> column(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                        select format_type(a.atttypid, a.atttypmod), t.typname, a.atttypmod
                        from pg_attribute a join pg_type t on t.oid = a.atttypid
                        where a.attrelid = to_regclass('questions') and a.attname = ? and not a.attisdropped""")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int typmod = rs.getInt(3); // pgvector's typmod is the dimension; -1 when the column has none
                Optional<VectorColumnType> storage = VectorColumnType.ofTypeName(rs.getString(2)).filter(t -> typmod > 0);
                return Optional.of(new ColumnInfo(rs.getString(1), storage.isPresent() ? typmod : null, storage.orElse(null)));
            }
        }
    }

    /**
     * An online migration's second vector column is there (its shadow before the cutover, the
     * previous column after it): the in-place schema change, its rollback and other backfills wait
     * until the migration is finalized or rolled back.
     */
    public void requireNoOnlineMigration(String what) {
        if (column("embedding_next").isPresent() || column("embedding_prev").isPresent()) {
            throw ProblemException.conflict(what + " waits while an online migration is open (see GET /api/migration/online): "
                    + "finalize it or roll it back first");
        }
    }

    /**
     * The guard of every path that writes or searches vectors of {@code dims} dimensions made by
     * {@code model}: 409 while questions.embedding is not vector(dims), with the way out.
     */
    public void requireEmbeddingColumn(int dims, String model) {
        requireVector(embeddingColumn(), dims, model);
    }

    static void requireVector(Optional<ColumnInfo> column, int dims, String model) {
        if (column.isEmpty() || !column.get().isVector(dims)) {
            throw ProblemException.conflict(String.format(
                    "questions.embedding is %s but this service embeds with %s at %d dimensions: %s",
                    column.map(ColumnInfo::type).orElse("missing"), model, dims,
                    "apply the schema change first (POST /api/migration/apply), or configure reembed.target.* and the provider to match"));
        }
    }

    public IndexInfo embeddingIndex() {
        return index(HnswIndex.NAME);
    }

    /** An index by name ({@link HnswIndex#NAME} or {@link HnswIndex#SHADOW_NAME}); missing when absent. */
    public IndexInfo index(String name) {
        try (Connection c = dataSource.getConnection()) {
            return index(c, name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the index " + name, e);
        }
    }

    /** The same read on a connection of the caller's (the backfill's index build holds a lock on it). */
    public static IndexInfo embeddingIndex(Connection c) throws SQLException {
        return index(c, HnswIndex.NAME);
    }

    public static IndexInfo index(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                        select i.indisvalid, am.amname, opc.opcname
                        from pg_class ic
                        join pg_index i on i.indexrelid = ic.oid
                        join pg_am am on am.oid = ic.relam
                        join pg_opclass opc on opc.oid = i.indclass[0]
                        where ic.relname = ? and pg_table_is_visible(ic.oid)""")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new IndexInfo(name, false, null, null, null);
                }
                return new IndexInfo(name, true, rs.getBoolean(1), rs.getString(2), rs.getString(3));
            }
        }
    }

    public FunctionInfo matchFunction() {
        return function(MatchFunction.NAME);
    }

    /** {@link MatchFunction#NAME} or {@link MatchFunction#SHADOW_NAME}. */
    public FunctionInfo function(String name) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        select pg_get_function_identity_arguments(oid) from pg_proc
                        where proname = ? and pg_function_is_visible(oid)""")) {
            ps.setString(1, name);
            List<String> overloads = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    overloads.add(rs.getString(1));
                }
            }
            return new FunctionInfo(!overloads.isEmpty(), overloads.contains(MatchFunction.IDENTITY_ARGUMENTS));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the function " + name, e);
        }
    }

    public int serverVersionNum() {
        return read(SchemaCatalog::serverVersionNum);
    }

    public String serverVersion() {
        return read(SchemaCatalog::serverVersion);
    }

    /** The installed pgvector's version as it prints it; empty when the extension is not installed. */
    public Optional<String> pgvectorVersion() {
        return read(SchemaCatalog::pgvectorVersion);
    }

    // The same reads on a connection of the caller's: pgvector's enablement (Flyway V1) runs on Flyway's.

    public static int serverVersionNum(Connection c) throws SQLException {
        return Integer.parseInt(string(c, "select current_setting('server_version_num')"));
    }

    public static String serverVersion(Connection c) throws SQLException {
        return string(c, "select current_setting('server_version')");
    }

    public static Optional<String> pgvectorVersion(Connection c) throws SQLException {
        return Optional.ofNullable(string(c, "select extversion from pg_extension where extname = 'vector'"));
    }

    public int maxParallelMaintenanceWorkers() {
        return Integer.parseInt(string("select current_setting('max_parallel_maintenance_workers')"));
    }

    private interface Read<T> {
        T on(Connection c) throws SQLException;
    }

    private <T> T read(Read<T> read) {
        try (Connection c = dataSource.getConnection()) {
            return read.on(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the catalog: " + e.getMessage(), e);
        }
    }

    private String string(String sql) {
        try (Connection c = dataSource.getConnection()) {
            return string(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static String string(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
