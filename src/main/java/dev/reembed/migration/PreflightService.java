package dev.reembed.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.api.MigrationInfo;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.common.Check;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;
import dev.reembed.schema.PgvectorVersion;
import dev.reembed.schema.SchemaCatalog;

/**
 * Seed 001's "Pre-Flight Checks", computed from the catalog: what must hold before the
 * destructive schema change may run, and what an operator should know first.
 */
@ApplicationScoped
public class PreflightService {

    /** Bytes a backed-up row takes besides its vector: tuple header, id, model, timestamp, index entry. */
    static final long BACKUP_ROW_OVERHEAD = 96;

    private final MigrationRepository repository;
    private final SchemaCatalog catalog;
    private final ModelRegistry registry;
    private final StoreTarget target;
    private final MigrationConfig migration;
    private final StoreFlyway flyways;

    public PreflightService(MigrationRepository repository, SchemaCatalog catalog, ModelRegistry registry, StoreTarget target,
            MigrationConfig migration, StoreFlyway flyways) {
        this.repository = repository;
        this.catalog = catalog;
        this.registry = registry;
        this.target = target;
        this.migration = migration;
        this.flyways = flyways;
    }

    public Preflight run() {
        List<Check> checks = new ArrayList<>();
        List<String> pending = pendingVersions();

        boolean table = repository.questionsTableExists();
        checks.add(table ? Check.pass("questions-table", "questions exists")
                : Check.fail("questions-table", "Table questions does not exist: this is not a reembed question store"));

        Preflight.Questions counts = null;
        Preflight.Column column = null;
        if (table) {
            MigrationRepository.QuestionCounts c = repository.questionCounts();
            counts = new Preflight.Questions(c.total(), c.withEmbedding(), c.withoutEmbedding());
            checks.add(Check.pass("questions", c.total() + " questions in scope (soft-deleted excluded), "
                    + c.withEmbedding() + " with an embedding, " + c.withoutEmbedding() + " without").withValue(c.total()));
            Optional<SchemaCatalog.ColumnInfo> col = catalog.embeddingColumn();
            column = col.map(i -> new Preflight.Column(i.type(), i.dimensions())).orElse(null);
            checks.add(columnCheck(col, pending));
        }

        SchemaCatalog.IndexInfo idx = table ? catalog.embeddingIndex() : SchemaCatalog.IndexInfo.missing();
        // The index fits the column it is on: vector_cosine_ops before the change, the target's opclass after it.
        checks.add(indexCheck(idx, column == null ? VectorColumnType.VECTOR
                : catalog.embeddingColumn().map(SchemaCatalog.ColumnInfo::storage).orElse(VectorColumnType.VECTOR)));
        if (table) {
            checks.add(catalog.matchFunction().present()
                    ? Check.pass("match-function", MatchFunction.NAME + " exists")
                    : Check.warn("match-function", MatchFunction.NAME + " is missing; the schema change creates it"));
        }

        String pgVersion = catalog.serverVersion();
        checks.add(catalog.serverVersionNum() >= PgvectorEnablement.MIN_SERVER_VERSION_NUM
                ? Check.pass("postgresql-version", "PostgreSQL " + pgVersion)
                : Check.fail("postgresql-version", "PostgreSQL 14+ required for pgvector 0.5.0+. Current: " + pgVersion));

        Optional<String> vectorVersion = catalog.pgvectorVersion();
        checks.add(pgvectorCheck(vectorVersion));

        checks.add(targetCheck());
        if (table) {
            checks.add(backupSpaceCheck());
        }
        Optional<Long> run = repository.activeBackfillRun();
        checks.add(run.map(id -> Check.fail("backfill", "Backfill run " + id + " is active; wait for it, or pause and cancel it")
                .withValue(id))
                .orElseGet(() -> Check.pass("backfill", "No backfill is running")));
        checks.add(pending.isEmpty() ? Check.pass("migrations", "No pending migrations")
                : Check.pass("migrations", "Pending: " + String.join(", ", pending)));

        boolean ready = checks.stream().noneMatch(Check::failed);
        return new Preflight(ready, checks, counts, column,
                new Preflight.Index(idx.name(), idx.present(), idx.valid(), idx.method()),
                new Preflight.Versions(pgVersion, vectorVersion.orElse(null)),
                new Preflight.Target(target.model(), target.dimensions()), pending);
    }

    private List<String> pendingVersions() {
        List<String> out = new ArrayList<>();
        for (MigrationInfo i : FlywaySetup.latest(flyways.current()).info().pending()) {
            out.add(i.getVersion() + " " + i.getDescription());
        }
        return out;
    }

    private Check columnCheck(Optional<SchemaCatalog.ColumnInfo> col, List<String> pending) {
        if (col.isEmpty()) {
            return Check.fail("embedding-column", "Column questions.embedding does not exist");
        }
        SchemaCatalog.ColumnInfo c = col.get();
        Integer dims = c.dimensions();
        if (dims == null) {
            return Check.fail("embedding-column", "questions.embedding is " + c.type() + ", not a pgvector vector(N)");
        }
        if (dims == migration.sourceDimensions()) {
            return Check.pass("embedding-column", "questions.embedding is " + c.type()
                    + "; the schema change moves it to " + targetType()).withValue(dims);
        }
        if (dims == target.dimensions() && pending.isEmpty()) {
            return Check.pass("embedding-column", "questions.embedding is already " + c.type() + " (the change is applied)")
                    .withValue(dims);
        }
        return Check.fail("embedding-column", "questions.embedding is " + c.type() + ", expected vector("
                + migration.sourceDimensions() + ") before the change or " + targetType() + " after it")
                .withValue(dims);
    }

    /** The column the schema change makes, e.g. halfvec(3072); the storage setting as given when it is invalid. */
    private String targetType() {
        try {
            return target.storageType().sqlType(target.dimensions());
        } catch (IllegalArgumentException e) {
            return target.storage() + "(" + target.dimensions() + ")";
        }
    }

    private static Check indexCheck(SchemaCatalog.IndexInfo idx, VectorColumnType storage) {
        if (!idx.present()) {
            return Check.warn("embedding-index", idx.name() + " does not exist; the schema change creates it");
        }
        String what = idx.name() + ": " + idx.method() + " " + idx.opclass() + (Boolean.TRUE.equals(idx.valid()) ? ", valid" : ", INVALID");
        if (!HnswIndex.isExpected(idx, storage)) {
            return Check.warn("embedding-index", what + "; the schema change rebuilds it as a valid HNSW cosine index");
        }
        return Check.pass("embedding-index", what);
    }

    private Check pgvectorCheck(Optional<String> version) {
        if (version.isEmpty()) {
            return Check.fail("pgvector-version", "pgvector extension not available. Ensure postgresql-"
                    + catalog.serverVersionNum() / 10000 + "-pgvector is installed");
        }
        PgvectorVersion v = PgvectorVersion.parse(version.get());
        if (v.isBefore(PgvectorVersion.MINIMUM)) {
            return Check.fail("pgvector-version", "pgvector version " + v + " < required " + PgvectorVersion.MINIMUM);
        }
        int workers = catalog.maxParallelMaintenanceWorkers();
        if (!v.buildsHnswInParallel() && workers > 0) {
            return Check.warn("pgvector-version", "pgvector " + v + " with max_parallel_maintenance_workers = " + workers
                    + ": versions before " + PgvectorVersion.PARALLEL_HNSW_FIX + " can overflow a buffer in parallel HNSW builds. "
                    + "The schema change builds its index serially; set max_parallel_maintenance_workers = 0 for any "
                    + "REINDEX, or upgrade pgvector").withValue(v.toString());
        }
        return Check.pass("pgvector-version", "pgvector " + v).withValue(v.toString());
    }

    private Check targetCheck() {
        try {
            var storage = target.storageType();
            var spec = registry.validateTarget(target.model(), target.dimensions(), storage);
            return Check.pass("target-model", target.model() + " at " + target.dimensions() + " dimensions as "
                    + storage.sqlName() + " ("
                    + spec.provider() + ", " + (spec.reducible()
                            ? "accepts " + spec.minDimensions() + "–" + spec.maxDimensions()
                            : "fixed " + spec.defaultDimensions()) + ")");
        } catch (ProblemException | IllegalArgumentException e) {
            return Check.fail("target-model", e.getMessage());
        }
    }

    private Check backupSpaceCheck() {
        long rows = repository.rowsWithEmbedding();
        long needed = rows * (4L * migration.sourceDimensions() + 8 + BACKUP_ROW_OVERHEAD);
        OptionalLong free = repository.freeBytesOnServer();
        String need = "The backup copies " + rows + " vectors, about " + mb(needed);
        if (free.isEmpty()) {
            return Check.warn("backup-space", need + "; free space on the database server cannot be read from here "
                    + "(needs the same host and pg_read_all_settings): check it has room").withValue(needed);
        }
        if (needed > free.getAsLong()) {
            return Check.fail("backup-space", need + " but only " + mb(free.getAsLong()) + " are free").withValue(needed);
        }
        if (needed > free.getAsLong() / 2) {
            return Check.warn("backup-space", need + ", more than half of the " + mb(free.getAsLong()) + " free").withValue(needed);
        }
        return Check.pass("backup-space", need + "; " + mb(free.getAsLong()) + " free").withValue(needed);
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
