package dev.reembed.online;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.NamedSql;
import dev.reembed.common.Transactions;
import dev.reembed.embedding.VectorColumnType;
import io.agroal.api.AgroalDataSource;

/**
 * The online migration's record (V2.6): its row, its steps, and what the shadow column holds. The
 * schema changes themselves are {@link ShadowSchemaRepository}'s. Every move is {@code where phase
 * = :from}, so two replicas (or a retried request) never take a step twice.
 */
@ApplicationScoped
public class OnlineMigrationRepository {

    public record Step(String phase, OffsetDateTime at, String detail) {
    }

    public record Coverage(long done, long total) {
    }

    /** A row whose shadow vector is missing or was made from another text. */
    public record StaleRow(long id, String title, String content, String contentHash) {
    }

    static final String COLUMNS = """
            id, phase, source_model, source_dimensions, source_type, target_model, target_dimensions, target_type,
            auto_cutover, batch_size, concurrency, backfill_run_id, swaps, index_started_at, index_built_at, index_build_ms,
            cutover_at, cutover_lock_ms, cutover_lock_wait_ms, cutover_attempts, marked_v3, closing, last_error, created_at,
            updated_at""";

    static final NamedSql INSERT = NamedSql.of("""
            insert into online_migrations (phase, source_model, source_dimensions, source_type, target_model, target_dimensions,
                                           target_type, auto_cutover, batch_size, concurrency)
            values ('PREPARED', :sourceModel, :sourceDims, :sourceType, :targetModel, :targetDims, :targetType, :auto, :batch,
                    :concurrency)
            returning id""");
    static final NamedSql STEP = NamedSql.of(
            "insert into online_migration_steps (migration_id, phase, detail) values (:id, :phase, :detail)");
    private static final NamedSql LATEST = NamedSql.of("select " + COLUMNS + " from online_migrations order by id desc limit 1");
    private static final NamedSql OPEN = NamedSql.of("select " + COLUMNS
            + " from online_migrations where phase not in ('ROLLED_BACK','FINALIZED') order by id desc limit 1");
    private static final NamedSql LAST_FINALIZED = NamedSql.of("select " + COLUMNS
            + " from online_migrations where phase = 'FINALIZED' order by id desc limit 1");
    private static final NamedSql STEPS = NamedSql.of(
            "select phase, at, detail from online_migration_steps where migration_id = :id order by seq");
    static final NamedSql ADVANCE = NamedSql.of("""
            update online_migrations set phase = :to, last_error = null, updated_at = now() where id = :id and phase = :from""");
    private static final NamedSql SET_RUN = NamedSql.of("""
            update online_migrations set backfill_run_id = :run, phase = 'BACKFILLING', last_error = null, updated_at = now()
            where id = :id and phase = 'PREPARED'""");
    private static final NamedSql INDEX_STARTED = NamedSql.of(
            "update online_migrations set index_started_at = now(), updated_at = now() where id = :id and phase = 'INDEXING'");
    private static final NamedSql INDEX_BUILT = NamedSql.of("""
            update online_migrations set phase = 'READY', index_built_at = now(), index_build_ms = :ms, last_error = null,
                   updated_at = now()
            where id = :id and phase = 'INDEXING'""");
    private static final NamedSql NOTE_ERROR = NamedSql.of(
            "update online_migrations set last_error = :error, updated_at = now() where id = :id");
    private static final NamedSql CLOSING = NamedSql.of(
            """
            update online_migrations set closing = :closing, updated_at = now()
            where id = :id and closing is null and phase = any (string_to_array(:from, ','))""");
    private static final NamedSql AUTO_OFF = NamedSql.of(
            "update online_migrations set auto_cutover = false, updated_at = now() where id = :id");
    private static final NamedSql RUN_OF = NamedSql.of("select id from backfill_runs where migration_id = :id order by id desc limit 1");
    private static final NamedSql SHADOW_COVERAGE = NamedSql.of("""
            select count(*) filter (where embedding_next_content_hash is not distinct from content_hash and embedding_next is not null),
                   count(*)
            from questions where deleted_at is null""");
    private static final NamedSql STALE_COUNT = NamedSql.of("""
            select count(*) from questions where deleted_at is null and embedding_next_content_hash is distinct from content_hash""");
    private static final NamedSql LIVE_STALE = NamedSql.of("""
            select count(*) from questions where deleted_at is null
              and (embedding is null or embedding_model is distinct from :model or embedding_content_hash is distinct from content_hash)""");
    private static final NamedSql STALE_ROWS = NamedSql.of("""
            select id, title, content, content_hash from questions
            where deleted_at is null and embedding_next_content_hash is distinct from content_hash order by id limit :limit""");

    private final AgroalDataSource dataSource;

    public OnlineMigrationRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<OnlineMigrationRow> latest() {
        return one(LATEST, null);
    }

    public Optional<OnlineMigrationRow> open() {
        return one(OPEN, null);
    }

    public Optional<OnlineMigrationRow> lastFinalized() {
        return one(LAST_FINALIZED, null);
    }

    public List<Step> steps(long id) {
        try (Connection c = dataSource.getConnection(); var ps = STEPS.prepare(c).set("id", id); ResultSet rs = ps.executeQuery()) {
            List<Step> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Step(rs.getString(1), rs.getObject(2, OffsetDateTime.class), rs.getString(3)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the steps of online migration " + id, e);
        }
    }

    /** The run this migration made, if any (found after a crash between making it and recording it). */
    public Optional<Long> runOf(long id) {
        try (Connection c = dataSource.getConnection(); var ps = RUN_OF.prepare(c).set("id", id); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the run of online migration " + id, e);
        }
    }

    public boolean recordRun(long id, long runId) {
        return update("Cannot record the run of online migration " + id, SET_RUN, id, "BACKFILLING", null,
                ps -> ps.set("run", runId));
    }

    public boolean advance(long id, OnlinePhase from, OnlinePhase to, String detail) {
        return update("Cannot move online migration " + id + " to " + to, ADVANCE, id, to.name(), detail,
                ps -> ps.set("from", from.name()).set("to", to.name()));
    }

    public void indexStarted(long id) {
        update("Cannot record the index build of online migration " + id, INDEX_STARTED, id, null, null, ps -> ps);
    }

    public boolean indexBuilt(long id, long ms, String detail) {
        return update("Cannot record the index of online migration " + id, INDEX_BUILT, id, "READY", detail, ps -> ps.set("ms", ms));
    }

    /** Marks a finalize or pre-cutover rollback as begun from one of {@code from}; false when another began or the phase moved. */
    public boolean beginClosing(long id, java.util.Set<OnlinePhase> from, String closing) {
        String phases = String.join(",", from.stream().map(Enum::name).toList());
        return update("Cannot close online migration " + id, CLOSING, id, null, null,
                ps -> ps.set("closing", closing).set("from", phases));
    }

    public void autoCutoverOff(long id) {
        update("Cannot turn off the automatic cutover of " + id, AUTO_OFF, id, null, null, ps -> ps);
    }

    public void noteError(long id, String message) {
        update("Cannot record an error of online migration " + id, NOTE_ERROR, id, null, null,
                ps -> ps.set("error", message == null ? null : message.length() > 2000 ? message.substring(0, 2000) : message));
    }

    public Coverage shadowCoverage() {
        try (Connection c = dataSource.getConnection(); var ps = SHADOW_COVERAGE.prepare(c); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Coverage(rs.getLong(1), rs.getLong(2));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count the shadow column's coverage", e);
        }
    }

    public long staleCount() {
        try (Connection c = dataSource.getConnection(); var ps = STALE_COUNT.prepare(c); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count the shadow column's stale rows", e);
        }
    }

    /** Rows whose live vector is missing, of another model, or made from another text. */
    public long liveStaleCount(String model) {
        try (Connection c = dataSource.getConnection(); var ps = LIVE_STALE.prepare(c).set("model", model);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count the live column's stale rows", e);
        }
    }

    public List<StaleRow> staleRows(int limit) {
        try (Connection c = dataSource.getConnection(); var ps = STALE_ROWS.prepare(c).set("limit", limit);
                ResultSet rs = ps.executeQuery()) {
            List<StaleRow> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new StaleRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the shadow column's stale rows", e);
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    @FunctionalInterface
    interface Binder {
        NamedSql.Bound bind(NamedSql.Bound ps) throws SQLException;
    }

    /** The update and, when it moved the row and {@code stepPhase} is set, its step: one transaction. */
    private boolean update(String what, NamedSql sql, long id, String stepPhase, String detail, Binder binder) {
        return Transactions.inTransaction(dataSource, what, c -> {
            boolean moved;
            try (var ps = binder.bind(sql.prepare(c).set("id", id))) {
                moved = ps.executeUpdate() == 1;
            }
            if (moved && stepPhase != null) {
                step(c, id, stepPhase, detail);
            }
            return moved;
        });
    }

    static void step(Connection c, long id, String phase, String detail) throws SQLException {
        try (var ps = STEP.prepare(c).set("id", id).set("phase", phase).set("detail", detail)) {
            ps.executeUpdate();
        }
    }

    private Optional<OnlineMigrationRow> one(NamedSql sql, Long id) {
        try (Connection c = dataSource.getConnection(); var ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read online migrations", e);
        }
    }

    static OnlineMigrationRow row(ResultSet rs) throws SQLException {
        return new OnlineMigrationRow(rs.getLong("id"), OnlinePhase.valueOf(rs.getString("phase")),
                side(rs.getString("source_model"), rs.getInt("source_dimensions"), rs.getString("source_type")),
                side(rs.getString("target_model"), rs.getInt("target_dimensions"), rs.getString("target_type")),
                rs.getBoolean("auto_cutover"), rs.getInt("batch_size"), rs.getInt("concurrency"),
                (Long) rs.getObject("backfill_run_id"), rs.getInt("swaps"), rs.getObject("index_started_at", OffsetDateTime.class),
                rs.getObject("index_built_at", OffsetDateTime.class), (Long) rs.getObject("index_build_ms"),
                rs.getObject("cutover_at", OffsetDateTime.class), (Integer) rs.getObject("cutover_lock_ms"),
                (Integer) rs.getObject("cutover_lock_wait_ms"), (Integer) rs.getObject("cutover_attempts"),
                rs.getBoolean("marked_v3"), rs.getString("closing"), rs.getString("last_error"),
                rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class));
    }

    private static OnlineMigrationRow.Side side(String model, int dims, String type) {
        return new OnlineMigrationRow.Side(model, dims, VectorColumnType.ofTypeName(type).orElseThrow());
    }
}
