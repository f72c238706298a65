package dev.reembed.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

import dev.reembed.common.Check;
import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.SchemaCatalog;
import dev.reembed.tenant.StoreTarget;
import io.agroal.api.AgroalDataSource;

/**
 * The schema change over HTTP: status, apply (Flyway up to the latest version, held at start-up by
 * {@code reembed.migration.start-target}) and rollback (seed 001's emergency rollback).
 */
@ApplicationScoped
public class MigrationService {

    private static final Logger LOG = Logger.getLogger(MigrationService.class);

    private final StoreFlyway flyways;
    private final PreflightService preflight;
    private final MigrationRepository repository;
    private final MigrationConfig config;
    private final StoreTarget target;
    private final SchemaCatalog catalog;
    private final AgroalDataSource dataSource;
    private final EmbeddingChange change;

    public MigrationService(StoreFlyway flyways, PreflightService preflight, MigrationRepository repository, SchemaCatalog catalog,
            MigrationConfig config, StoreTarget target, AgroalDataSource dataSource, EmbeddingChange change) {
        this.flyways = flyways;
        this.change = change;
        this.catalog = catalog;
        this.preflight = preflight;
        this.repository = repository;
        this.config = config;
        this.target = target;
        this.dataSource = dataSource;
    }

    public MigrationStatus status() {
        Flyway flyway = flyways.current();
        var info = flyway.info();
        List<MigrationStatus.Applied> applied = Arrays.stream(info.applied())
                .map(i -> new MigrationStatus.Applied(version(i), i.getDescription(), i.getType().name(), i.getState().name(),
                        i.getInstalledOn() == null ? null : i.getInstalledOn().toInstant()))
                .toList();
        List<MigrationStatus.Pending> pending = Arrays.stream(FlywaySetup.latest(flyway).info().pending())
                .map(i -> new MigrationStatus.Pending(version(i), i.getDescription()))
                .toList();
        MigrationRepository.BackupInfo backup = repository.backup();
        return new MigrationStatus(
                info.current() == null ? null : version(info.current()),
                applied,
                pending,
                catalog.embeddingColumn().map(c -> new Preflight.Column(c.type(), c.dimensions())).orElse(null),
                new MigrationStatus.Backup(backup.table(), backup.present(), backup.rows()));
    }

    public Preflight preflight() {
        return preflight.run();
    }

    /** Applies every pending migration; 409 when pre-flight has a FAIL (a running backfill among them). */
    public ApplyResult apply() {
        catalog.requireNoOnlineMigration("The schema change");
        Preflight p = preflight.run();
        if (!p.ready()) {
            List<Check> failed = p.checks().stream().filter(Check::failed).toList();
            Problem problem = new Problem(409, "Conflict", "Pre-flight failed: "
                    + failed.stream().map(c -> c.name() + ": " + c.detail()).collect(Collectors.joining("; ")))
                    .with("checks", failed);
            failed.stream().filter(c -> "backfill".equals(c.name())).findFirst()
                    .ifPresent(c -> problem.with("activeRunId", c.value()));
            throw new ProblemException(problem);
        }
        List<String> applied = new ArrayList<>();
        Flyway flyway = flyways.current();
        withMigrationLock(lock -> {
            MigrateResult result;
            try {
                // One transaction for everything pending (2.x and V3): a failure leaves the schema where it was.
                // For a halfvec target Flyway stops below V3 and the change follows in a transaction of its own.
                result = Flyway.configure(flyway.getConfiguration().getClassLoader())
                        .configuration(FlywaySetup.forApply(flyway, change.runsInsteadOfV3()).getConfiguration())
                        .group(true)
                        .load()
                        .migrate();
            } catch (FlywayException e) {
                throw schemaChangeFailed(flyway, e);
            }
            result.migrations.forEach(m -> applied.add(m.version + " " + m.description));
            if (change.runsInsteadOfV3()) {
                try {
                    if (change.applyIfPending(lock).ran()) {
                        applied.add(FlywaySetup.V3.getVersion() + " " + v3Description(flyway));
                    }
                } catch (SQLException | RuntimeException e) {
                    throw schemaChangeFailed(flyway, e);
                }
            }
        });
        MigrationRepository.QuestionCounts c = repository.questionCounts();
        LOG.infof("Applied %s; %d questions, %d with embeddings, %d needing backfill", applied, c.total(), c.withEmbedding(),
                c.withoutEmbedding());
        return new ApplyResult(applied, version(flyway.info().current()),
                new ApplyResult.Summary(c.total(), c.withEmbedding(), c.withoutEmbedding()));
    }

    /** Back to vector(source dims) with every backed-up vector; 409 while a backfill runs or when nothing is applied. */
    public RollbackResult rollback() {
        catalog.requireNoOnlineMigration("The rollback of the schema change");
        repository.activeBackfillRun().ifPresent(id -> {
            throw new ProblemException(new Problem(409, "Conflict",
                    "Backfill run " + id + " is active; cancel it before rolling back").with("activeRunId", id));
        });
        boolean v3Applied = Arrays.stream(flyways.current().info().applied())
                .anyMatch(i -> i.getVersion() != null && i.getVersion().equals(MigrationVersion.fromVersion("3")));
        var column = catalog.embeddingColumn();
        Integer dims = column.map(SchemaCatalog.ColumnInfo::dimensions).orElse(null);
        if (!v3Applied || dims == null || dims == config.sourceDimensions()) {
            throw ProblemException.conflict("Nothing to roll back: the embedding schema change (V3) is not applied"
                    + (dims == null ? "" : " and questions.embedding is " + column.get().type()));
        }
        if (!repository.backup().present()) {
            throw ProblemException.conflict("Cannot roll back: the backup table " + MigrationRepository.BACKUP_TABLE
                    + " does not exist, so the old vectors cannot be restored");
        }
        MigrationRepository.RollbackOutcome outcome = repository.rollback(config.sourceDimensions(), target.dimensions(),
                new HnswIndex(config.hnsw().m(), config.hnsw().efConstruction()));
        outcome.notices().forEach(n -> LOG.info(n));
        LOG.infof("Rolled back from %s to vector(%d); %d embeddings restored", column.get().type(),
                config.sourceDimensions(), outcome.restoredEmbeddings());
        List<String> log = new ArrayList<>(outcome.notices());
        if ("latest".equalsIgnoreCase(config.startTarget())) {
            String warning = "reembed.migration.start-target is 'latest': set REEMBED_MIGRATION_START_TARGET=2 before the "
                    + "service restarts, or the next start applies the schema change again";
            LOG.warn(warning);
            log.add("WARNING: " + warning);
        }
        return new RollbackResult(new RollbackResult.Column("vector(" + config.sourceDimensions() + ")", config.sourceDimensions()),
                outcome.restoredEmbeddings(), outcome.withoutEmbedding(), log);
    }

    /** 500 "Schema change failed" naming the cause and the version the schema stayed at. */
    private ProblemException schemaChangeFailed(Flyway flyway, Exception e) {
        String at = flyway.info().current() == null ? "none" : version(flyway.info().current());
        LOG.errorf(e, "Schema change failed; the database stays at version %s", at);
        return new ProblemException(new Problem(500, "Schema change failed",
                "The schema change failed and was rolled back; the schema stays at version " + at + ". Cause: "
                        + rootMessage(e)).with("currentVersion", at));
    }

    private String v3Description(Flyway flyway) {
        return Arrays.stream(FlywaySetup.latest(flyway).info().all()).filter(i -> FlywaySetup.V3.equals(i.getVersion()))
                .map(MigrationInfo::getDescription).findFirst().orElse("Embedding schema update");
    }

    private interface LockedWork {
        void run(Connection lock) throws SQLException;
    }

    /**
     * Holds the same advisory lock as the rollback, so that an apply and a rollback never overlap;
     * the body gets the connection that holds it (the halfvec change runs on it).
     */
    private void withMigrationLock(LockedWork body) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("select pg_advisory_lock(" + MigrationRepository.LOCK_KEY + ")");
            try {
                body.run(c);
            } finally {
                st.execute("select pg_advisory_unlock(" + MigrationRepository.LOCK_KEY + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot take the migration lock", e);
        }
    }

    private static String version(MigrationInfo i) {
        return i.getVersion() == null ? null : i.getVersion().getVersion();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? e.getMessage() : t.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
