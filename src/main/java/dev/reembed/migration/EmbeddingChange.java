package dev.reembed.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.tenant.TenantContext;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.schema.SqlTemplate;
import io.agroal.api.AgroalDataSource;

/**
 * The embedding schema change run by the service instead of Flyway, for a target stored as
 * halfvec: V3 itself always makes {@code vector(N)} with {@code vector_cosine_ops}, whose HNSW index
 * pgvector refuses above 2,000 dimensions, and its file is frozen. So {@link FlywaySetup} keeps
 * Flyway below V3 and this runs {@code db/sql/embedding_change.sql}, V3's text with the column type
 * as placeholders (FrozenMigrationsTest keeps the two the same), then records V3 in Flyway's history
 * as {@link MigrationRepository#markV3Applied} does, all in one transaction under the migration
 * lock: a failure changes nothing, and replicas starting together run it once.
 */
@ApplicationScoped
public class EmbeddingChange {

    private static final Logger LOG = Logger.getLogger(EmbeddingChange.class);
    private static final SqlTemplate SCRIPT = SqlTemplate.load("embedding_change.sql");

    /** Whether it ran (false: V3 was recorded already), and the script's notices. */
    public record Outcome(boolean ran, List<String> notices) {
    }

    private final AgroalDataSource dataSource;
    private final StoreFlyway flyways;
    private final MigrationRepository repository;
    private final StoreTarget target;

    public EmbeddingChange(AgroalDataSource dataSource, StoreFlyway flyways, MigrationRepository repository, StoreTarget target) {
        this.dataSource = dataSource;
        this.flyways = flyways;
        this.repository = repository;
        this.target = target;
    }

    /**
     * Whether the change is this class's to run: the target storage is halfvec, which V3 cannot
     * make, or the store is a tenant's, where V3's catalog checks would see the other schemas' objects.
     */
    public boolean runsInsteadOfV3() {
        return FlywaySetup.holdsBackV3(target.storageType()) || TenantContext.current().isPresent();
    }

    /** On a connection of its own (start-up). */
    public Outcome applyIfPending() {
        try (Connection c = dataSource.getConnection()) {
            return applyIfPending(c);
        } catch (SQLException e) {
            throw new IllegalStateException("The embedding schema change failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs the change and records V3 in one transaction on {@code c} (which may hold the migration
     * lock at session level already: advisory locks nest within a session), unless V3 is recorded.
     *
     * @throws SQLException when a step or a verification failed; the transaction is rolled back
     */
    public Outcome applyIfPending(Connection c) throws SQLException {
        String script = script(flyways.current().getConfiguration().getPlaceholders(), target.storageType());
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("select pg_advisory_xact_lock(" + MigrationRepository.LOCK_KEY + ")");
            // Inside the lock: another replica (or apply) may have made the change meanwhile.
            if (MigrationRepository.isV3Recorded(c)) {
                c.commit();
                return new Outcome(false, List.of());
            }
            long started = System.nanoTime();
            st.execute(script);
            List<String> notices = new ArrayList<>();
            for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                notices.add(w.getMessage());
            }
            repository.markV3Applied(c, (int) ((System.nanoTime() - started) / 1_000_000));
            c.commit();
            notices.forEach(n -> LOG.info("DB: " + n));
            return new Outcome(true, notices);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * The change for {@code type}, with Flyway's placeholder values (the same ones V3 gets): the one
     * place the template is rendered.
     */
    static String script(Map<String, String> flywayPlaceholders, VectorColumnType type) {
        Map<String, String> values = new HashMap<>(flywayPlaceholders);
        values.putAll(typeValues(type));
        values.putAll(CATALOG_IN_SCHEMA);
        return SCRIPT.render(values);
    }

    /**
     * The template's catalog checks look in the schema being changed (the first of the search_path),
     * which V3 does not do: it predates tenants. Rendered empty, the template is V3's text.
     */
    static final Map<String, String> CATALOG_IN_SCHEMA = Map.of(
            "proc_in_schema", " and pronamespace = current_schema()::regnamespace",
            "index_in_schema", " and c.relnamespace = current_schema()::regnamespace");

    /** {@link #CATALOG_IN_SCHEMA}'s placeholders as V3 has them: none. */
    public static Map<String, String> v3CatalogChecks() {
        return Map.of("proc_in_schema", "", "index_in_schema", "");
    }

    /** The placeholders that make the template V3 (for VECTOR) or its halfvec twin. */
    public static Map<String, String> typeValues(VectorColumnType type) {
        return Map.of("storage", type.sqlName(), "storage_label", type.sqlName().toUpperCase(java.util.Locale.ROOT),
                "opclass", type.cosineOpclass());
    }
}
