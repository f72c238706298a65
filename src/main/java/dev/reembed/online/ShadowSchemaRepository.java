package dev.reembed.online;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.pgvector.PGvector;

import dev.reembed.common.NamedSql;
import dev.reembed.common.Transactions;
import dev.reembed.migration.MigrationRepository;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;
import io.agroal.api.AgroalDataSource;

/**
 * The online migration's schema changes: the shadow column, its index, the swap and swap-back, the
 * drops. Each transaction takes its locks under {@code lock_timeout} (a 55P03 when not granted in
 * time, retried by {@link LockRetry}) and the migration advisory lock, so that it never overlaps
 * the in-place apply or its rollback. Column and index names are the constants below; the only
 * values spliced into DDL are dimensions (ints) and the types' names from {@code VectorColumnType}.
 */
@ApplicationScoped
public class ShadowSchemaRepository {

    /** The four columns of one vector, in the order live, shadow and previous each name them. */
    static final List<String> LIVE = List.of("embedding", "embedding_model", "embedding_content_hash", "embedded_at");
    static final List<String> NEXT = List.of("embedding_next", "embedding_next_model", "embedding_next_content_hash",
            "embedded_next_at");
    static final List<String> PREV = List.of("embedding_prev", "embedding_prev_model", "embedding_prev_content_hash",
            "embedded_prev_at");
    static final String PREV_INDEX = "idx_questions_embedding_prev";

    /** Serialises the shadow index's build across replicas (pg_try_advisory_lock key, "reembed3"). */
    static final long INDEX_LOCK = 0x7265656d62656433L;

    public record Swap(long lockWaitMs, long lockMs, long staleAtSwap) {
    }

    /** A vector the cutover writes itself, for a row changed since the backfill. */
    public record TopUp(long id, float[] vector, String contentHash) {
    }

    public record IndexProgress(String phase, long done, long total) {
    }

    public interface InLock {
        /** Extra work inside the swap's transaction (V3's history row when it was pending). */
        void run(Connection c) throws SQLException;
    }

    private static final NamedSql TOP_UP = NamedSql.of("""
            update questions set embedding_next = cast(:vec as vector), embedding_next_model = :model,
                   embedding_next_content_hash = :hash, embedded_next_at = now()
            where id = :id and content_hash = :hash and deleted_at is null""");
    private static final NamedSql PROGRESS = NamedSql.of("""
            select p.phase, coalesce(p.blocks_done, 0), coalesce(p.blocks_total, 0)
            from pg_stat_progress_create_index p
            where p.relid = to_regclass('questions') and p.index_relid = to_regclass('idx_questions_embedding_next')""");

    private final AgroalDataSource dataSource;

    public ShadowSchemaRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * PREPARED: the shadow columns (an ADD COLUMN without a default changes only the catalog), the
     * shadow's search function and the migration's row, in one transaction.
     */
    public long prepare(OnlineMigrationRow.Side source, OnlineMigrationRow.Side target, boolean autoCutover, int batchSize,
            int concurrency, Duration lockTimeout) {
        return inLockedTransaction("Cannot prepare the shadow column", lockTimeout, (c, st) -> {
            st.execute("alter table questions add column embedding_next " + target.type().sqlType(target.dimensions())
                    + ", add column embedding_next_model text, add column embedding_next_content_hash text,"
                    + " add column embedded_next_at timestamptz");
            st.execute(MatchFunction.createDdl(MatchFunction.SHADOW_NAME, NEXT.get(0), target.dimensions(), target.type()));
            long id;
            try (var ps = OnlineMigrationRepository.INSERT.prepare(c)) {
                ps.set("sourceModel", source.model()).set("sourceDims", source.dimensions()).set("sourceType", source.type().sqlName())
                        .set("targetModel", target.model()).set("targetDims", target.dimensions())
                        .set("targetType", target.type().sqlName()).set("auto", autoCutover).set("batch", batchSize)
                        .set("concurrency", concurrency);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            OnlineMigrationRepository.step(c, id, OnlinePhase.PREPARED.name(), null);
            return id;
        });
    }

    /**
     * INDEXING: HNSW on the shadow column with CREATE INDEX CONCURRENTLY (searches and writes go on).
     * One replica builds (a session advisory lock); an INVALID index left by a crash is dropped and
     * built again. Returns the build's milliseconds and pgvector's notices, or empty when another
     * replica is building.
     */
    public Optional<IndexBuild> buildShadowIndex(HnswIndex definition, OnlineMigrationRow.Side target, String maintenanceWorkMem) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select pg_try_advisory_lock(" + INDEX_LOCK + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return Optional.empty();
                }
            }
            try {
                var existing = dev.reembed.schema.SchemaCatalog.index(c, HnswIndex.SHADOW_NAME);
                if (existing.present() && Boolean.TRUE.equals(existing.valid())) {
                    return Optional.of(new IndexBuild(0, List.of("the index was there already")));
                }
                if (existing.present()) {
                    st.execute("drop index concurrently if exists " + HnswIndex.SHADOW_NAME); // INVALID: a build cut off
                }
                try (var ps = c.prepareStatement("select set_config('maintenance_work_mem', ?, false)")) {
                    ps.setString(1, maintenanceWorkMem);
                    ps.execute();
                }
                long start = System.nanoTime();
                st.execute(definition.createDdl(true, HnswIndex.SHADOW_NAME, NEXT.get(0), target.type()));
                long ms = (System.nanoTime() - start) / 1_000_000;
                List<String> notices = new ArrayList<>();
                for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                    notices.add(w.getMessage());
                }
                st.execute("reset maintenance_work_mem");
                return Optional.of(new IndexBuild(ms, notices));
            } finally {
                st.execute("select pg_advisory_unlock(" + INDEX_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot build " + HnswIndex.SHADOW_NAME + ": " + e.getMessage(), e);
        }
    }

    public record IndexBuild(long ms, List<String> notices) {
    }

    /** The build's progress from pg_stat_progress_create_index, when one is running. */
    public Optional<IndexProgress> indexProgress() {
        try (Connection c = dataSource.getConnection(); var ps = PROGRESS.prepare(c); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new IndexProgress(rs.getString(1), rs.getLong(2), rs.getLong(3))) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the index build's progress", e);
        }
    }

    /**
     * CUT_OVER, one transaction: the last rows changed since the backfill written, then the live
     * columns renamed to _prev and the shadow's to the live names (with their indexes), and
     * match_questions_with_solutions recreated for the new type and dimension. Renames change only
     * catalog rows, so the table lock is held for milliseconds. Returns the lock times.
     */
    public Swap cutover(OnlineMigrationRow m, List<TopUp> topUps, int attempt, Duration lockTimeout, InLock extra) {
        return inLockedTransaction("Cannot cut over", lockTimeout, (c, st) -> {
            long asked = System.nanoTime();
            st.execute("lock table questions in access exclusive mode");
            long granted = System.nanoTime();
            requireRunIdle(c, m);
            endLiveRuns(st, m);
            for (TopUp t : topUps) {
                try (var ps = TOP_UP.prepare(c)) {
                    ps.set("vec", new PGvector(t.vector()).getValue()).set("model", m.target().model()).set("hash", t.contentHash())
                            .set("id", t.id()).executeUpdate();
                }
            }
            long stale = count(st, "select count(*) from questions where deleted_at is null"
                    + " and embedding_next_content_hash is distinct from content_hash");
            rename(st, LIVE, PREV);
            rename(st, NEXT, LIVE);
            st.execute("alter index " + HnswIndex.NAME + " rename to " + PREV_INDEX);
            st.execute("alter index " + HnswIndex.SHADOW_NAME + " rename to " + HnswIndex.NAME);
            st.execute(MatchFunction.createDdl(MatchFunction.NAME, LIVE.get(0), m.target().dimensions(), m.target().type()));
            st.execute(MatchFunction.dropDdl(MatchFunction.SHADOW_NAME));
            extra.run(c);
            long lockMs = (System.nanoTime() - granted) / 1_000_000;
            long waitMs = (granted - asked) / 1_000_000;
            moved(c, """
                    update online_migrations set phase = 'CUT_OVER', swaps = swaps + 1, cutover_at = now(), cutover_lock_ms = %d,
                           cutover_lock_wait_ms = %d, cutover_attempts = %d, last_error = null, updated_at = now()
                    where id = %d and phase = 'READY'""".formatted(lockMs, waitMs, attempt, m.id()), m.id(), "CUT_OVER",
                    stale > 0 ? stale + " rows changed during the cutover; the sweep re-embeds them" : null);
            return new Swap(waitMs, lockMs, stale);
        });
    }

    /** The rollback after a cutover: the same swap backwards, back to READY (no automatic cutover again). */
    public Swap swapBack(OnlineMigrationRow m, int attempt, Duration lockTimeout, InLock extra) {
        return inLockedTransaction("Cannot swap back", lockTimeout, (c, st) -> {
            long asked = System.nanoTime();
            st.execute("lock table questions in access exclusive mode");
            long granted = System.nanoTime();
            endLiveRuns(st, m);
            rename(st, LIVE, NEXT);
            rename(st, PREV, LIVE);
            st.execute("alter index " + HnswIndex.NAME + " rename to " + HnswIndex.SHADOW_NAME);
            st.execute("alter index " + PREV_INDEX + " rename to " + HnswIndex.NAME);
            st.execute(MatchFunction.createDdl(MatchFunction.NAME, LIVE.get(0), m.source().dimensions(), m.source().type()));
            st.execute(MatchFunction.createDdl(MatchFunction.SHADOW_NAME, NEXT.get(0), m.target().dimensions(), m.target().type()));
            extra.run(c);
            long lockMs = (System.nanoTime() - granted) / 1_000_000;
            long waitMs = (granted - asked) / 1_000_000;
            moved(c, """
                    update online_migrations set phase = 'READY', swaps = swaps + 1, auto_cutover = false, cutover_at = now(),
                           cutover_lock_ms = %d, cutover_lock_wait_ms = %d, cutover_attempts = %d, last_error = null,
                           updated_at = now()
                    where id = %d and phase = 'CUT_OVER'""".formatted(lockMs, waitMs, attempt, m.id()), m.id(), "READY",
                    "swapped back");
            return new Swap(waitMs, lockMs, 0);
        });
    }

    /** The rollback before a cutover: the shadow index (concurrently), then its columns and function; ROLLED_BACK. */
    public void dropShadow(OnlineMigrationRow m, Duration lockTimeout) {
        dropConcurrently(HnswIndex.SHADOW_NAME);
        inLockedTransaction("Cannot drop the shadow column", lockTimeout, (c, st) -> {
            if (alreadyIn(c, m.id(), "ROLLED_BACK")) {
                return null; // the request and the driver both carry a closing on: the first one did it
            }
            st.execute("alter table questions " + dropColumns(NEXT));
            st.execute(MatchFunction.dropDdl(MatchFunction.SHADOW_NAME));
            moved(c, "update online_migrations set phase = 'ROLLED_BACK', closing = null, updated_at = now() where id = " + m.id()
                    + " and phase in ('PREPARED','BACKFILLING','INDEXING','READY')", m.id(), "ROLLED_BACK", null);
            return null;
        });
    }

    /** FINALIZED: the previous column's index (concurrently), then its columns. */
    public void dropPrevious(OnlineMigrationRow m, Duration lockTimeout) {
        dropConcurrently(PREV_INDEX);
        inLockedTransaction("Cannot drop the previous column", lockTimeout, (c, st) -> {
            if (alreadyIn(c, m.id(), "FINALIZED")) {
                return null;
            }
            st.execute("alter table questions " + dropColumns(PREV));
            moved(c, "update online_migrations set phase = 'FINALIZED', closing = null, updated_at = now() where id = " + m.id()
                    + " and phase = 'CUT_OVER'", m.id(), "FINALIZED", null);
            return null;
        });
    }

    // --- helpers -------------------------------------------------------------------------------

    /**
     * A run keeping the live column current embeds with the live model: after a swap the live column
     * holds the other one, so such a run ends in the swap's transaction (its writes in flight, which
     * wait for the table lock, then see it cancelled and write nothing).
     */
    private static void endLiveRuns(Statement st, OnlineMigrationRow m) throws SQLException {
        st.executeUpdate("update backfill_runs set status = 'CANCELLED', finished_at = now(), updated_at = now(), "
                + "last_error = 'the online migration swapped the columns' where migration_id = " + m.id()
                + " and vector_column = 'embedding' and status in ('QUEUED','RUNNING','PAUSED')");
    }

    /**
     * The shadow's run must be idle for the swap: a write of embedding_next after the renames would
     * fail. Its row is locked to commit, so the driver cannot re-open it meanwhile.
     */
    private static void requireRunIdle(Connection c, OnlineMigrationRow m) throws SQLException {
        if (m.backfillRunId() == null) {
            return;
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select status from backfill_runs where id = " + m.backfillRunId() + " for update")) {
            if (rs.next() && List.of("QUEUED", "RUNNING", "PAUSED").contains(rs.getString(1))) {
                throw dev.reembed.common.ProblemException.conflict("Run " + m.backfillRunId() + " was re-opened for rows changed "
                        + "meanwhile; cut over when it has completed");
            }
        }
    }

    private interface Work<T> {
        T run(Connection c, Statement st) throws SQLException;
    }

    private <T> T inLockedTransaction(String what, Duration lockTimeout, Work<T> work) {
        return Transactions.inTransaction(dataSource, what, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("set local lock_timeout = '" + Math.max(1, lockTimeout.toMillis()) + "ms'");
                // the advisory lock too: an apply holding it waits its turn rather than failing the swap
                st.execute("select pg_advisory_xact_lock(" + MigrationRepository.LOCK_KEY + ")");
                return work.run(c, st);
            }
        });
    }

    private void dropConcurrently(String index) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("drop index concurrently if exists " + index);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop " + index + ": " + e.getMessage(), e);
        }
    }

    private static void rename(Statement st, List<String> from, List<String> to) throws SQLException {
        for (int i = 0; i < from.size(); i++) {
            st.execute("alter table questions rename column " + from.get(i) + " to " + to.get(i));
        }
    }

    private static String dropColumns(List<String> columns) {
        return String.join(", ", columns.stream().map(c -> "drop column if exists " + c).toList());
    }

    /** Whether the migration reached {@code phase} already (read under the migration lock the closings hold). */
    private static boolean alreadyIn(Connection c, long id, String phase) throws SQLException {
        try (var ps = c.prepareStatement("select phase = ? from online_migrations where id = ?")) {
            ps.setString(1, phase);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The phase update (ids and numbers only) and its step; a row that did not move rolls everything back. */
    private static void moved(Connection c, String update, long id, String phase, String detail) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (st.executeUpdate(update) != 1) {
                throw new IllegalStateException("Online migration " + id + " moved meanwhile; nothing changed");
            }
        }
        OnlineMigrationRepository.step(c, id, phase, detail);
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
