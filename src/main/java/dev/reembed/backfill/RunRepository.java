package dev.reembed.backfill;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.NamedSql;
import dev.reembed.common.Transactions;
import io.agroal.api.AgroalDataSource;

/**
 * The run rows of {@code backfill_runs}: creation with the run's checkpoint items, status moves,
 * completion with its final sweep, and the retry of failed rows. The run row holds exact counters,
 * moved in the same transaction as what they count (see {@link VectorWriter}).
 */
@ApplicationScoped
public class RunRepository {

    private static final String COLUMNS = """
            id, status, model, dimensions, scope, batch_size, concurrency, price_per_million, total, succeeded, failed,
            input_tokens, trigger, created_at, started_at, updated_at, finished_at, last_error, generation, index_strategy,
            index_dropped_at, index_build_started_at, index_built_at, index_build_ms, vector_column, migration_id""";

    private static final NamedSql INSERT_RUN = NamedSql.of("""
            insert into backfill_runs (status, model, dimensions, scope, batch_size, concurrency, price_per_million, trigger,
                                       index_strategy, vector_column, migration_id)
            values ('QUEUED', :model, :dimensions, :scope, :batchSize, :concurrency, :price, :trigger, :indexStrategy,
                    :vectorColumn, :migration)
            returning id""");

    private static final Map<VectorColumn, Map<Scope, NamedSql>> INSERT_ITEMS = ScopeRepository.perColumnAndScope("""
            with items as (
                insert into backfill_items (run_id, question_id) select :run, q.id from questions q where %1$s returning 1
            )
            update backfill_runs set total = (select count(*) from items) where id = :run""");

    private static final NamedSql FIND = NamedSql.of("select " + COLUMNS + " from backfill_runs where id = :run");
    private static final NamedSql FIND_FOR_UPDATE = NamedSql.of("select " + COLUMNS + " from backfill_runs where id = :run for update");
    private static final NamedSql ACTIVE = NamedSql.of(
            "select " + COLUMNS + " from backfill_runs where status in ('QUEUED','RUNNING','PAUSED') order by id limit 1");
    private static final NamedSql LIST = NamedSql.of("select " + COLUMNS + " from backfill_runs order by id desc limit :limit");
    private static final NamedSql LAST_FOR = NamedSql.of("select " + COLUMNS
            + " from backfill_runs where model = :model and dimensions = :dimensions order by id desc limit 1");
    private static final NamedSql STATE = NamedSql.of("select status, generation from backfill_runs where id = :run");

    /** A move into RUNNING opens a new generation; a move out of an active state sets finished_at. */
    private static final NamedSql TRANSITION = NamedSql.of("""
            update backfill_runs set status = :to,
                   started_at = case when :to = 'RUNNING' then coalesce(started_at, now()) else started_at end,
                   finished_at = case when :to in ('COMPLETED','FAILED','CANCELLED') then now() else null end,
                   last_error = case when :error is not null then :error when :to = 'RUNNING' then null else last_error end,
                   generation = generation + case when :to = 'RUNNING' then 1 else 0 end,
                   updated_at = now()
            where id = :run and status = any (:from)""");

    /** Only the generation whose calls failed may pause the run. */
    private static final NamedSql PAUSE_IN_GENERATION = NamedSql.of("""
            update backfill_runs set status = 'PAUSED', last_error = :error, finished_at = null, updated_at = now()
            where id = :run and status = 'RUNNING' and generation = :generation""");

    private static final NamedSql NOTE_ERROR = NamedSql.of(
            "update backfill_runs set last_error = :error, updated_at = now() where id = :run");

    private static final NamedSql OPEN_ITEMS = NamedSql.of(
            "select 1 from backfill_items where run_id = :run and state in ('PENDING','LEASED') limit 1");

    private static final NamedSql COMPLETE = NamedSql.of(
            "update backfill_runs set status = 'COMPLETED', finished_at = now(), updated_at = now() where id = :run");

    /** The final sweep, part 1: rows in scope created during the run. */
    private static final Map<VectorColumn, Map<Scope, NamedSql>> SWEEP_NEW = ScopeRepository.perColumnAndScope("""
            insert into backfill_items (run_id, question_id)
            select :run, q.id from questions q
            where (%1$s) and not exists (select 1 from backfill_items i where i.run_id = :run and i.question_id = q.id)""");

    /** The final sweep, part 2: DONE rows whose text changed after they were embedded. */
    private static final Map<VectorColumn, NamedSql> SWEEP_EDITED = VectorWriter.perColumn("""
            update backfill_items i set state = 'PENDING', attempts = 0
            from questions q
            where i.run_id = :run and i.state = 'DONE' and q.id = i.question_id and q.deleted_at is null
              and q.%3$s is distinct from q.content_hash""");

    private static final NamedSql SWEEP_COUNT = NamedSql.of("""
            update backfill_runs set total = total + :added, succeeded = succeeded - :edited, updated_at = now()
            where id = :run""");

    private static final NamedSql LOCK_STATUS = NamedSql.of("select status from backfill_runs where id = :run for update");

    /** Failed rows queued again; an ended run runs again, in a new generation. */
    private static final NamedSql RETRY = NamedSql.of("""
            with queued as (
                update backfill_items set state = 'PENDING', attempts = 0
                where run_id = :run and state = 'FAILED' returning 1
            ), n as (select count(*) as queued from queued)
            update backfill_runs set failed = failed - n.queued,
                   status = case when n.queued > 0 and status in ('COMPLETED','FAILED') then 'RUNNING' else status end,
                   finished_at = case when n.queued > 0 then null else finished_at end,
                   generation = generation + case when n.queued > 0 then 1 else 0 end,
                   updated_at = now()
            from n where id = :run
            returning n.queued""");

    private final AgroalDataSource dataSource;

    public RunRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Creates a QUEUED run and its checkpoint: one item per row in scope, in one transaction.
     *
     * @throws ActiveRunExists when another run is QUEUED, RUNNING or PAUSED
     */
    public RunRow createRun(String model, int dimensions, Scope scope, int batchSize, int concurrency,
            BigDecimal pricePerMillion, String trigger, IndexStrategy indexStrategy) {
        return createRun(model, dimensions, scope, batchSize, concurrency, pricePerMillion, trigger, indexStrategy,
                VectorColumn.EMBEDDING, null);
    }

    /**
     * The same for {@code column}; {@code migrationId} ties a run of the shadow column to its online
     * migration, so that a driver that died between the two finds the run it made.
     */
    public RunRow createRun(String model, int dimensions, Scope scope, int batchSize, int concurrency,
            BigDecimal pricePerMillion, String trigger, IndexStrategy indexStrategy, VectorColumn column, Long migrationId) {
        long id = transaction("Cannot create a backfill run", c -> {
            long runId;
            try (var ps = INSERT_RUN.prepare(c)) {
                ps.set("model", model).set("dimensions", dimensions).set("scope", scope.name()).set("batchSize", batchSize)
                        .set("concurrency", concurrency).set("price", pricePerMillion).set("trigger", trigger)
                        .set("indexStrategy", indexStrategy.name()).set("vectorColumn", column.vector)
                        .setNullable("migration", migrationId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    runId = rs.getLong(1);
                }
            }
            try (var ps = INSERT_ITEMS.get(column).get(scope).prepare(c)) {
                ScopeRepository.bind(ps.set("run", runId), column, scope, model, dimensions).executeUpdate();
            }
            return runId;
        });
        // Fresh statistics for the new items: with the planner still thinking the table is empty,
        // every lease read all pending items and sorted them (a bitmap scan) instead of walking the
        // first batchSize entries of backfill_items_todo in order; at 100k rows that was half a core.
        analyze("backfill_items");
        return findRun(id).orElseThrow();
    }

    public Optional<RunRow> findRun(long id) {
        return runs(FIND, ps -> ps.set("run", id)).stream().findFirst();
    }

    public Optional<RunRow> activeRun() {
        return runs(ACTIVE, ps -> ps).stream().findFirst();
    }

    public List<RunRow> listRuns(int limit) {
        return runs(LIST, ps -> ps.set("limit", limit));
    }

    /** The last run for this model and dimension, whatever its status. */
    public Optional<RunRow> lastRunFor(String model, int dimensions) {
        return runs(LAST_FOR, ps -> ps.set("model", model).set("dimensions", dimensions)).stream().findFirst();
    }

    /** Status and generation, for the worker's checks between batches; empty when the run is gone. */
    public Optional<RunRow.State> state(long runId) {
        try (Connection c = dataSource.getConnection(); var ps = STATE.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new RunRow.State(RunStatus.valueOf(rs.getString(1)), rs.getInt(2))) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read run " + runId, e);
        }
    }

    /**
     * Moves a run from one of {@code from} to {@code to}; false when it was in none of them.
     * {@code lastError} null keeps the current one unless {@code to} is RUNNING (cleared).
     */
    public boolean transition(long runId, List<RunStatus> from, RunStatus to, String lastError) {
        try (Connection c = dataSource.getConnection(); var ps = TRANSITION.prepare(c)) {
            return ps.set("to", to.name()).set("error", lastError).set("run", runId)
                    .array("from", "text", from.stream().map(Enum::name).toList()).executeUpdate() == 1;
        } catch (SQLException e) {
            throw translate(e, "Cannot change run " + runId);
        }
    }

    /** Pauses a RUNNING run, but only while it is still in {@code generation}: false otherwise. */
    public boolean pause(long runId, int generation, String reason) {
        try (Connection c = dataSource.getConnection(); var ps = PAUSE_IN_GENERATION.prepare(c)) {
            return ps.set("error", truncate(reason)).set("run", runId).set("generation", generation).executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot pause run " + runId, e);
        }
    }

    /** Shows an error on a run that goes on (lastError), e.g. a failed index build. */
    public void noteError(long runId, String message) {
        try (Connection c = dataSource.getConnection(); var ps = NOTE_ERROR.prepare(c)) {
            ps.set("error", truncate(message)).set("run", runId).executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record an error on run " + runId, e);
        }
    }

    /** Rows of the run still to embed (PENDING or LEASED). */
    public boolean hasOpenItems(long runId) {
        try (Connection c = dataSource.getConnection()) {
            return hasOpenItems(c, runId);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the items of run " + runId, e);
        }
    }

    private static boolean hasOpenItems(Connection c, long runId) throws SQLException {
        try (var ps = OPEN_ITEMS.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /**
     * Ends a RUNNING run whose rows are all DONE or FAILED — after a final sweep that adds rows
     * created or changed since the run began. Serialised on the run row, so that of several
     * workers exactly one completes it. Returns true when the run is COMPLETED.
     */
    public boolean completeIfDone(long runId) {
        return transaction("Cannot complete run " + runId, c -> {
            RunRow run;
            try (var ps = FIND_FOR_UPDATE.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                run = runRow(rs);
            }
            if (run.status() != RunStatus.RUNNING) {
                return run.status() == RunStatus.COMPLETED;
            }
            if (run.indexPending()) {
                return false; // the index the run dropped is built first (the worker does it; this row lock orders the two)
            }
            if (hasOpenItems(c, runId) || sweep(c, run) > 0) {
                return false;
            }
            try (var ps = COMPLETE.prepare(c).set("run", runId)) {
                ps.executeUpdate();
            }
            return true;
        });
    }

    private static final NamedSql REOPEN = NamedSql.of("""
            update backfill_runs set status = 'RUNNING', finished_at = null, generation = generation + 1, updated_at = now()
            where id = :run""");

    /**
     * A COMPLETED run re-opened for rows created or edited since it ended (the same sweep as at its
     * end): how the online migration keeps its shadow column current until the cutover. Returns the
     * rows queued; 0 when nothing changed or the run is not COMPLETED.
     */
    public long reopenForChanges(long runId) {
        return transaction("Cannot re-open run " + runId, c -> {
            RunRow run;
            try (var ps = FIND_FOR_UPDATE.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0L;
                }
                run = runRow(rs);
            }
            if (run.status() != RunStatus.COMPLETED) {
                return 0L;
            }
            long queued = sweep(c, run);
            if (queued > 0) {
                try (var ps = REOPEN.prepare(c).set("run", runId)) {
                    ps.executeUpdate(); // the one-active-run index refuses it while another run is active
                }
            }
            return queued;
        });
    }

    /** The final sweep; returns how many rows it queued. */
    private static long sweep(Connection c, RunRow run) throws SQLException {
        long added;
        try (var ps = SWEEP_NEW.get(run.vectorColumn()).get(run.scope()).prepare(c)) {
            added = ScopeRepository.bind(ps.set("run", run.id()), run.vectorColumn(), run.scope(), run.model(), run.dimensions())
                    .executeUpdate();
        }
        long edited;
        try (var ps = SWEEP_EDITED.get(run.vectorColumn()).prepare(c).set("run", run.id())) {
            edited = ps.executeUpdate();
        }
        if (added + edited > 0) {
            try (var ps = SWEEP_COUNT.prepare(c)) {
                ps.set("added", added).set("edited", edited).set("run", run.id()).executeUpdate();
            }
        }
        return added + edited;
    }

    /**
     * Queues a run's FAILED rows again (attempts reset) and re-opens the run if it had ended.
     * Returns how many rows were queued, or -1 when the run is cancelled (checked under the run's
     * row lock, so that a cancel committing meanwhile cannot leave re-queued rows nobody works on).
     */
    public long retryFailures(long runId) {
        return transaction("Cannot retry failures of run " + runId, c -> {
            try (var ps = LOCK_STATUS.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || RunStatus.CANCELLED.name().equals(rs.getString(1))) {
                    return -1L;
                }
            }
            try (var ps = RETRY.prepare(c).set("run", runId); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * Fresh planner statistics for questions: after a backfill the column went from (mostly) NULL
     * to filled, and stale statistics would keep searches off the HNSW index until autovacuum runs.
     */
    public void analyzeQuestions() {
        analyze("questions");
    }

    /** {@code table}: a constant of this class, never input. */
    private void analyze(String table) {
        try (Connection c = dataSource.getConnection(); var st = c.createStatement()) {
            st.execute("analyze " + table);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot analyze " + table, e);
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Binder {
        NamedSql.Bound bind(NamedSql.Bound ps) throws SQLException;
    }

    private List<RunRow> runs(NamedSql sql, Binder binder) {
        try (Connection c = dataSource.getConnection(); var ps = binder.bind(sql.prepare(c)); ResultSet rs = ps.executeQuery()) {
            List<RunRow> out = new ArrayList<>();
            while (rs.next()) {
                out.add(runRow(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read backfill runs", e);
        }
    }

    private static RunRow runRow(ResultSet rs) throws SQLException {
        return new RunRow(rs.getLong("id"), RunStatus.valueOf(rs.getString("status")), rs.getString("model"),
                rs.getInt("dimensions"), Scope.valueOf(rs.getString("scope")), rs.getInt("batch_size"), rs.getInt("concurrency"),
                rs.getBigDecimal("price_per_million"), rs.getLong("total"), rs.getLong("succeeded"), rs.getLong("failed"),
                rs.getLong("input_tokens"), rs.getString("trigger"), rs.getObject("created_at", OffsetDateTime.class),
                rs.getObject("started_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class),
                rs.getObject("finished_at", OffsetDateTime.class), rs.getString("last_error"), rs.getInt("generation"),
                IndexStrategy.valueOf(rs.getString("index_strategy")), rs.getObject("index_dropped_at", OffsetDateTime.class),
                rs.getObject("index_build_started_at", OffsetDateTime.class), rs.getObject("index_built_at", OffsetDateTime.class),
                (Long) rs.getObject("index_build_ms"), VectorColumn.ofColumnName(rs.getString("vector_column")),
                (Long) rs.getObject("migration_id"));
    }

    /** One transaction; a unique violation (the one-active-run index) becomes {@link ActiveRunExists}. */
    private <T> T transaction(String what, Transactions.Work<T> work) {
        return Transactions.inTransaction(dataSource, what, work, e -> isActiveRunConflict(e) ? activeRunExists() : null);
    }

    private RuntimeException translate(SQLException e, String what) {
        return isActiveRunConflict(e) ? activeRunExists() : new IllegalStateException(what, e);
    }

    private static boolean isActiveRunConflict(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    private ActiveRunExists activeRunExists() {
        return new ActiveRunExists(activeRun().map(RunRow::id).orElse(-1L));
    }

    static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
    }
}
