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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

import dev.reembed.common.Transactions;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;
import dev.reembed.schema.PgvectorVersion;
import dev.reembed.schema.SchemaCatalog;
import dev.reembed.schema.SqlTemplate;
import io.agroal.api.AgroalDataSource;

/**
 * The SQL of the schema change itself outside the Flyway migrations: the counts and backup that
 * pre-flight and status show, and the rollback of V3 ({@code db/sql/V3_rollback.sql}). What the
 * catalogs say about the column, index, function and versions is {@link SchemaCatalog}'s.
 * Identifiers are constants; the only values spliced into DDL are integers from configuration.
 */
@ApplicationScoped
public class MigrationRepository {

    static final String BACKUP_TABLE = "questions_embedding_backup";
    /** Serialises apply and rollback across replicas (pg_advisory_lock key). */
    public static final long LOCK_KEY = 0x7265656d62656431L; // "reembed1"

    public record QuestionCounts(long total, long withEmbedding, long withoutEmbedding) {
    }

    public record BackupInfo(String table, boolean present, long rows) {
    }

    public record RollbackOutcome(long restoredEmbeddings, long withoutEmbedding, List<String> notices) {
    }

    private static final SqlTemplate ROLLBACK = SqlTemplate.load("V3_rollback.sql");

    static final String HISTORY = "flyway_schema_history";
    static final MigrationVersion V3 = MigrationVersion.fromVersion("3");
    /** installed_by of a V3 history row written by {@link #markV3Applied}, not by Flyway running V3. */
    public static final String V3_MARKED_BY = "reembed (V3 not run by Flyway)";

    private final AgroalDataSource dataSource;
    private final StoreFlyway flyways;

    public MigrationRepository(AgroalDataSource dataSource, StoreFlyway flyways) {
        this.dataSource = dataSource;
        this.flyways = flyways;
    }

    /** Whether Flyway's history has V3 (applied by Flyway, or marked by {@link #markV3Applied}). */
    public static boolean isV3Recorded(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from " + HISTORY + " where version = ?")) {
            ps.setString(1, V3.getVersion());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Records V3 as applied in Flyway's history, on the caller's connection and in its transaction,
     * for a schema change made without V3's script (an online cutover while V3 is pending). The row
     * carries Flyway's own description, script and checksum of V3, so Flyway validates it and never
     * runs V3; {@code installed_by} is {@link #V3_MARKED_BY}. The caller holds {@link #LOCK_KEY}.
     * Does nothing when V3 is recorded already; returns whether a row was written.
     */
    public boolean markV3Applied(Connection c, int executionMillis) throws SQLException {
        MigrationInfo v3 = Arrays.stream(FlywaySetup.latest(flyways.current()).info().all())
                .filter(i -> V3.equals(i.getVersion())).findFirst()
                .orElseThrow(() -> new IllegalStateException("Flyway does not resolve V3 (db/migration/V3__*.sql)"));
        // One statement: the next rank, and nothing when a V3 row exists.
        try (PreparedStatement ps = c.prepareStatement("insert into " + HISTORY
                + " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)"
                + " select rank, ?, ?, 'SQL', ?, ?, ?, ?, true"
                + " from (select coalesce(max(installed_rank), 0) + 1 as rank from " + HISTORY + ") next"
                + " where not exists (select 1 from " + HISTORY + " where version = ?)")) {
            ps.setString(1, V3.getVersion());
            ps.setString(2, v3.getDescription());
            ps.setString(3, v3.getScript());
            ps.setObject(4, v3.getChecksum(), java.sql.Types.INTEGER);
            ps.setString(5, V3_MARKED_BY);
            ps.setInt(6, executionMillis);
            ps.setString(7, V3.getVersion());
            return ps.executeUpdate() == 1;
        }
    }

    /** Removes V3 from Flyway's history on the caller's connection (an online swap-back of a migration that marked it). */
    public static boolean unmarkV3(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("delete from " + HISTORY + " where version = ?")) {
            ps.setString(1, V3.getVersion());
            return ps.executeUpdate() > 0;
        }
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
     * Seed 001's rollback in one transaction ({@code db/sql/V3_rollback.sql}): back to
     * {@code vector(sourceDims)}, the index and function at that dimension, every backed-up vector
     * restored, and V3 removed from Flyway's history so that a later apply runs it again. Holds the
     * migration lock so that it never overlaps an apply.
     */
    public RollbackOutcome rollback(int sourceDims, int targetDims, HnswIndex index) {
        String script = rollbackScript(sourceDims, targetDims, index);
        return Transactions.inTransaction(dataSource, "Rollback failed and changed nothing", c -> {
            List<String> notices = new ArrayList<>();
            try (Statement st = c.createStatement()) {
                st.execute("select pg_advisory_xact_lock(" + LOCK_KEY + ")");
                st.execute(script);
                collect(st.getWarnings(), notices);
                long restored = count(st, "select count(*) from " + BACKUP_TABLE + " b join questions q on q.id = b.id");
                long without = count(st, "select count(*) from questions where deleted_at is null and embedding is null");
                return new RollbackOutcome(restored, without, notices);
            }
        });
    }

    /** The rollback script with its placeholders rendered: the one place they are. */
    static String rollbackScript(int sourceDims, int targetDims, HnswIndex index) {
        return ROLLBACK.render(Map.of(
                "source_dimensions", Integer.toString(sourceDims),
                "target_dimensions", Integer.toString(targetDims),
                "serial_hnsw_build", PgvectorVersion.serialHnswBuildSql(),
                "create_hnsw_index", index.createDdl(false),
                "create_match_function", MatchFunction.createDdl(sourceDims)));
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
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
