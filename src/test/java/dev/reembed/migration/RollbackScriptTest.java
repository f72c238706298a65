package dev.reembed.migration;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;
import dev.reembed.schema.PgvectorVersion;

/** The rollback script rendered: every placeholder filled, the index and function from their one definition. */
class RollbackScriptTest {

    @Test
    void theRollbackIsRenderedFromTheSameDefinitions() {
        HnswIndex index = new HnswIndex(16, 64);
        String script = MigrationRepository.rollbackScript(768, 1536, index);
        assertThat(script).doesNotContain("${")
                .contains("alter table questions alter column embedding type vector(768) using null;")
                .contains(PgvectorVersion.serialHnswBuildSql() + ";\n" + index.createDdl(false) + ";\n")
                .contains(MatchFunction.createDdl(768) + ";\n")
                .contains("delete from flyway_schema_history where version = '3';");
    }
}
