package dev.reembed.backfill;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.embedding.VectorColumnType;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.SchemaCatalog;
import io.agroal.api.AgroalDataSource;

/**
 * The SQL of the search index during a run ({@link SearchIndex}): dropping it for a run, building
 * it again, and the index state on the run rows (V2.3) that makes a crash, cancel or restart in
 * between still end with the index built. The index itself is {@link HnswIndex}.
 */
@ApplicationScoped
public class SearchIndexRepository {

    /** Serialises index builds across replicas (pg_try_advisory_lock key, "reembed2"). */
    static final long INDEX_BUILD_LOCK = 0x7265656d62656432L;
    private static final String INDEX = HnswIndex.NAME;

    private final AgroalDataSource dataSource;

    public SearchIndexRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records that the run drops the index, then drops it. In that order: a crash in between leaves
     * a run that must build an index it finds still there, which the build treats as done.
     */
    public void dropSearchIndexFor(long runId) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            // Dropping needs only the schema; building it again needs the table. Never drop what
            // this role could not put back.
            try (ResultSet rs = st.executeQuery(
                    "select pg_has_role(current_user, c.relowner, 'USAGE') from pg_class c where c.oid = 'questions'::regclass")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("the service's database role does not own questions, so it could not build "
                            + "the index again");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    update backfill_runs set index_dropped_at = now(), index_build_started_at = null, index_built_at = null,
                           index_build_ms = null, updated_at = now()
                    where id = ? and index_dropped_at is null""")) {
                ps.setLong(1, runId);
                ps.executeUpdate();
            }
            // CONCURRENTLY: searches and the application's writes go on while it waits for them.
            st.execute("drop index concurrently if exists " + INDEX);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop the search index for run " + runId, e);
        }
    }

    /** Undoes the record of a drop that failed: the run keeps the index (strategy KEEP, so it is not tried again). */
    public void keepSearchIndexFor(long runId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        update backfill_runs set index_dropped_at = null, index_strategy = 'KEEP', updated_at = now()
                        where id = ? and index_built_at is null and index_build_started_at is null""")) {
            ps.setLong(1, runId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record that run " + runId + " keeps the search index", e);
        }
    }

    /** Runs whose dropped index is not back yet. */
    public boolean indexPending() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select 1 from backfill_runs where index_dropped_at is not null and index_built_at is null limit 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the runs' index state", e);
        }
    }

    /** How the build went: NOT_NOW when another session builds it, otherwise the index is there. */
    public enum BuildOutcome {
        BUILT, FOUND, NOT_NOW
    }

    /**
     * Builds the search index that runs dropped, with {@code CREATE INDEX CONCURRENTLY} (searches and
     * the application's writes go on), the given HNSW parameters and session settings, and marks
     * those runs: their index is back. One build at a time across replicas (advisory lock); an
     * invalid index left by a cancelled or crashed build is dropped and built again.
     *
     * @param running receives the statement before the long build starts, so that a shutdown can cancel it
     */
    public BuildOutcome buildSearchIndex(HnswIndex definition, String maintenanceWorkMem, int parallelWorkers,
            Consumer<Statement> running) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select pg_try_advisory_lock(" + INDEX_BUILD_LOCK + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return BuildOutcome.NOT_NOW;
                }
            }
            try {
                SchemaCatalog.IndexInfo index = SchemaCatalog.embeddingIndex(c);
                BuildOutcome outcome = BuildOutcome.FOUND;
                long started = System.nanoTime();
                if (!index.present() || !index.valid()) {
                    if (index.present()) { // invalid: left by an interrupted CONCURRENTLY build
                        st.execute("drop index concurrently if exists " + INDEX);
                    }
                    st.executeUpdate("""
                            update backfill_runs set index_build_started_at = now(), updated_at = now()
                            where index_dropped_at is not null and index_built_at is null""");
                    try (PreparedStatement ps = c.prepareStatement(
                            "select set_config('maintenance_work_mem', ?, false), set_config('max_parallel_maintenance_workers', ?, false)")) {
                        ps.setString(1, maintenanceWorkMem);
                        ps.setString(2, Integer.toString(parallelWorkers));
                        ps.execute();
                    }
                    running.accept(st);
                    // The opclass of the column as it is: vector, or halfvec (a halfvec target, an online migration's).
                    VectorColumnType storage = SchemaCatalog.column(c, "embedding").map(SchemaCatalog.ColumnInfo::storage)
                            .orElse(VectorColumnType.VECTOR);
                    st.execute(definition.createDdl(true, INDEX, "embedding", storage));
                    outcome = BuildOutcome.BUILT;
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        update backfill_runs set index_built_at = now(),
                               index_build_ms = case when ? then ? else index_build_ms end,
                               last_error = case when last_error like 'Search index build failed%' then null else last_error end,
                               updated_at = now()
                        where index_dropped_at is not null and index_built_at is null""")) {
                    ps.setBoolean(1, outcome == BuildOutcome.BUILT);
                    ps.setLong(2, (System.nanoTime() - started) / 1_000_000);
                    ps.executeUpdate();
                }
                return outcome;
            } finally {
                running.accept(null);
                st.execute("reset maintenance_work_mem; reset max_parallel_maintenance_workers; select pg_advisory_unlock("
                        + INDEX_BUILD_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot build the search index: " + e.getMessage(), e);
        }
    }
}
