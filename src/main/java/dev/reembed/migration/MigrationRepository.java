package dev.reembed.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.Transactions;
import io.agroal.api.AgroalDataSource;

/**
 * Every SQL statement of the schema-change feature outside the Flyway migrations: catalog reads
 * for pre-flight and status, and the rollback of V3. Identifiers are constants; the only values
 * spliced into DDL are dimensions from configuration, which are integers.
 */
@ApplicationScoped
public class MigrationRepository {

    static final String BACKUP_TABLE = "questions_embedding_backup";
    public static final String INDEX_NAME = "idx_questions_embedding";
    static final String FUNCTION_NAME = "match_questions_with_solutions";
    /** Serialises apply and rollback across replicas (pg_advisory_lock key). */
    static final long LOCK_KEY = 0x7265656d62656431L; // "reembed1"

    public record QuestionCounts(long total, long withEmbedding, long withoutEmbedding) {
    }

    /** {@code type} as PostgreSQL prints it, e.g. {@code vector(768)}; dimensions null when not a vector. */
    public record ColumnInfo(String type, Integer dimensions) {
    }

    public record IndexInfo(String name, boolean present, Boolean valid, String method, String opclass) {
    }

    public record BackupInfo(String table, boolean present, long rows) {
    }

    public record RollbackOutcome(long restoredEmbeddings, long withoutEmbedding, List<String> notices) {
    }

    private final AgroalDataSource dataSource;

    public MigrationRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public boolean questionsTableExists() {
        return "true".equals(string("select (to_regclass('questions') is not null)::text"));
    }

    /** Counts in scope: soft-deleted rows excluded. */
    public QuestionCounts questionCounts() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select count(*), count(embedding) from questions where deleted_at is null");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            long total = rs.getLong(1);
            long with = rs.getLong(2);
            return new QuestionCounts(total, with, total - with);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count questions", e);
        }
    }

    public Optional<ColumnInfo> embeddingColumn() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        select format_type(a.atttypid, a.atttypmod), t.typname, a.atttypmod
                        from pg_attribute a join pg_type t on t.oid = a.atttypid
                        where a.attrelid = to_regclass('questions') and a.attname = 'embedding' and not a.attisdropped""");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            boolean vector = "vector".equals(rs.getString(2)) && rs.getInt(3) > 0;
            return Optional.of(new ColumnInfo(rs.getString(1), vector ? rs.getInt(3) : null));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the embedding column", e);
        }
    }

    public IndexInfo embeddingIndex() {
        try (Connection c = dataSource.getConnection()) {
            return embeddingIndex(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the embedding index", e);
        }
    }

    /** The same read on a connection of the caller's (the backfill's index build holds a lock on it). */
    public static IndexInfo embeddingIndex(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                        select i.indisvalid, am.amname, opc.opcname
                        from pg_class ic
                        join pg_index i on i.indexrelid = ic.oid
                        join pg_am am on am.oid = ic.relam
                        join pg_opclass opc on opc.oid = i.indclass[0]
                        where ic.relname = ? and pg_table_is_visible(ic.oid)""")) {
            ps.setString(1, INDEX_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new IndexInfo(INDEX_NAME, false, null, null, null);
                }
                return new IndexInfo(INDEX_NAME, true, rs.getBoolean(1), rs.getString(2), rs.getString(3));
            }
        }
    }

    public boolean matchFunctionExists() {
        return "true".equals(string(
                "select exists (select 1 from pg_proc where proname = '" + FUNCTION_NAME + "' and pg_function_is_visible(oid))::text"));
    }

    public int serverVersionNum() {
        return Integer.parseInt(string("select current_setting('server_version_num')"));
    }

    public String serverVersion() {
        return string("select current_setting('server_version')");
    }

    public Optional<String> pgvectorVersion() {
        return Optional.ofNullable(string("select extversion from pg_extension where extname = 'vector'"));
    }

    public int maxParallelMaintenanceWorkers() {
        return Integer.parseInt(string("select current_setting('max_parallel_maintenance_workers')"));
    }

    public BackupInfo backup() {
        if (!"true".equals(string("select (to_regclass('" + BACKUP_TABLE + "') is not null)::text"))) {
            return new BackupInfo(BACKUP_TABLE, false, 0);
        }
        return new BackupInfo(BACKUP_TABLE, true, Long.parseLong(string("select count(*) from " + BACKUP_TABLE)));
    }

    /** Rows the backup will copy: every row with a vector, soft-deleted ones included. */
    public long rowsWithEmbedding() {
        return Long.parseLong(string("select count(*) from questions where embedding is not null"));
    }

    /**
     * Free bytes where the server keeps its data, when this process can see it (same host, and a
     * role allowed to read {@code data_directory}); empty otherwise.
     */
    public OptionalLong freeBytesOnServer() {
        try {
            String dir = string("""
                    select case when pg_has_role(current_user, 'pg_read_all_settings', 'member')
                                  or (select rolsuper from pg_roles where rolname = current_user)
                                then current_setting('data_directory') end""");
            if (dir == null || !Files.isDirectory(Path.of(dir))) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Files.getFileStore(Path.of(dir)).getUsableSpace());
        } catch (Exception e) {
            return OptionalLong.empty();
        }
    }

    /** The id of a QUEUED, RUNNING or PAUSED backfill run, if any (none before the backfill tables exist). */
    public Optional<Long> activeBackfillRun() {
        if (!"true".equals(string("select (to_regclass('backfill_runs') is not null)::text"))) {
            return Optional.empty();
        }
        String id = string("select id::text from backfill_runs where status in ('QUEUED','RUNNING','PAUSED') order by id limit 1");
        return Optional.ofNullable(id).map(Long::valueOf);
    }

    /**
     * The seed's rollback script in one transaction: back to {@code vector(sourceDims)}, the V2
     * index and function, every backed-up vector restored, and V3 removed from Flyway's history so
     * that a later apply runs it again. Holds the migration lock so that it never overlaps an apply.
     */
    public RollbackOutcome rollback(int sourceDims) {
        String dims = Integer.toString(sourceDims); // an int from configuration, never request input
        return Transactions.inTransaction(dataSource, "Rollback failed and changed nothing", c -> {
            List<String> notices = new ArrayList<>();
            try (Statement st = c.createStatement()) {
            st.execute("select pg_advisory_xact_lock(" + LOCK_KEY + ")");
            st.execute("lock table questions in access exclusive mode");
            st.execute("drop function if exists " + FUNCTION_NAME + "(vector, double precision, integer)");
            st.execute("drop index if exists " + INDEX_NAME);
            notices.add("✓ Step 1 complete: Dropped dependent objects");
            st.execute("alter table questions alter column embedding type vector(" + dims + ") using null");
            notices.add("✓ Step 2 complete: Altered embedding column to VECTOR(" + dims + ")");
            long restored = st.executeUpdate("update questions q set embedding = b.embedding, embedding_model = b.model from "
                    + BACKUP_TABLE + " b where b.id = q.id");
            st.execute("update questions set embedding_model = null where embedding is null and embedding_model is not null");
            notices.add("✓ Step 3 complete: Restored " + restored + " embeddings from " + BACKUP_TABLE);
            st.execute("create index " + INDEX_NAME + " on questions using hnsw (embedding vector_cosine_ops)");
            notices.add("✓ Step 4 complete: Created HNSW index for VECTOR(" + dims + ")");
            st.execute("select reembed_create_match_function(" + dims + ")"); // defined by V3
            notices.add("✓ Step 5 complete: Recreated " + FUNCTION_NAME + " function");
            verifyRolledBack(st, dims, restored);
            notices.add("✓ Verification passed: embedding column is VECTOR(" + dims + ") with " + restored + " restored vectors");
            st.execute("delete from flyway_schema_history where version = '3'");
            long without;
            try (ResultSet rs = st.executeQuery("select count(*) from questions where deleted_at is null and embedding is null")) {
                rs.next();
                without = rs.getLong(1);
            }
            collect(st.getWarnings(), notices);
            return new RollbackOutcome(restored, without, notices);
            }
        });
    }

    private void verifyRolledBack(Statement st, String dims, long restored) throws SQLException {
        try (ResultSet rs = st.executeQuery("""
                select format_type(atttypid, atttypmod) from pg_attribute
                where attrelid = 'questions'::regclass and attname = 'embedding'""")) {
            rs.next();
            if (!("vector(" + dims + ")").equals(rs.getString(1))) {
                throw new SQLException("Verification failed: embedding column is " + rs.getString(1));
            }
        }
        try (ResultSet rs = st.executeQuery("select count(*) from " + BACKUP_TABLE
                + " b join questions q on q.id = b.id where q.embedding is distinct from b.embedding")) {
            rs.next();
            if (rs.getLong(1) != 0) {
                throw new SQLException("Verification failed: " + rs.getLong(1) + " vectors differ from the backup");
            }
        }
    }

    private static void collect(SQLWarning w, List<String> out) {
        for (; w != null; w = w.getNextWarning()) {
            out.add(w.getMessage());
        }
    }

    private String string(String sql) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
