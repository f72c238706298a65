package dev.reembed.migration;

import java.util.Optional;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Flyway V1: pgvector enablement (seed 002). A Java migration because the spec's checks and
 * messages need logic SQL alone expresses poorly; registered explicitly by {@link FlywaySetup}, so
 * nothing is found by classpath scanning (native-friendly).
 */
public class V1__Enable_pgvector extends BaseJavaMigration {

    static final String SCHEMA_PLACEHOLDER = "pgvector_schema";

    @Override
    public void migrate(Context context) {
        String schema = context.getConfiguration().getPlaceholders().get(SCHEMA_PLACEHOLDER);
        new PgvectorEnablement(new JdbcPgvectorCatalog(context.getConnection()))
                .enable(Optional.ofNullable(schema).filter(s -> !s.isBlank()));
    }
}
