package dev.reembed.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.reembed.common.ProblemException;
import dev.reembed.embedding.VectorColumnType;

/** The schema's rules without a database: the index DDL, the serial-build rule, the column guard, templates. */
class SchemaRulesTest {

    @Test
    void theIndexDdlCarriesTheGraphParametersAndConcurrentlyOnlyWhenAsked() {
        HnswIndex index = new HnswIndex(24, 100);
        assertThat(index.createDdl(false).replaceAll("\\s+", " ")).isEqualTo(
                "create index idx_questions_embedding on questions using hnsw (embedding vector_cosine_ops) with (m = 24, ef_construction = 100)");
        assertThat(index.createDdl(true)).startsWith("create index concurrently if not exists idx_questions_embedding on questions");
        assertThat(index.createDdl(true, HnswIndex.SHADOW_NAME, "embedding_next", VectorColumnType.HALFVEC).replaceAll("\\s+", " "))
                .isEqualTo("create index concurrently if not exists idx_questions_embedding_next on questions "
                        + "using hnsw (embedding_next halfvec_cosine_ops) with (m = 24, ef_construction = 100)");
    }

    @Test
    void onlyAValidHnswCosineIndexIsTheExpectedOne() {
        assertThat(HnswIndex.isExpected(new SchemaCatalog.IndexInfo(HnswIndex.NAME, true, true, "hnsw", "vector_cosine_ops"))).isTrue();
        assertThat(HnswIndex.isExpected(new SchemaCatalog.IndexInfo(HnswIndex.NAME, true, false, "hnsw", "vector_cosine_ops"))).isFalse();
        assertThat(HnswIndex.isExpected(new SchemaCatalog.IndexInfo(HnswIndex.NAME, true, true, "ivfflat", "vector_cosine_ops"))).isFalse();
        assertThat(HnswIndex.isExpected(new SchemaCatalog.IndexInfo(HnswIndex.NAME, true, true, "hnsw", "vector_l2_ops"))).isFalse();
        assertThat(HnswIndex.isExpected(SchemaCatalog.IndexInfo.missing())).isFalse();
    }

    @Test
    void pgvectorBefore082BuildsSerially() {
        assertThat(PgvectorVersion.parse("0.8.0").hnswBuildWorkers(4)).isZero();
        assertThat(PgvectorVersion.parse("0.8.1").buildsHnswInParallel()).isFalse();
        assertThat(PgvectorVersion.parse("0.8.2").hnswBuildWorkers(4)).isEqualTo(4);
        assertThat(PgvectorVersion.parse("0.10.0").hnswBuildWorkers(2)).isEqualTo(2);
        assertThat(PgvectorVersion.serialHnswBuildSql()).contains("< array[0, 8, 2]").doesNotContain("${");
    }

    @Test
    void theColumnGuardRefusesWith409AndTheWayOut() {
        SchemaCatalog.requireVector(Optional.of(new SchemaCatalog.ColumnInfo("vector(1536)", 1536)), 1536, "m");
        assertThatThrownBy(() -> SchemaCatalog.requireVector(Optional.of(new SchemaCatalog.ColumnInfo("vector(768)", 768)), 1536,
                "gemini-embedding-001"))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status).isEqualTo(409);
                    assertThat(e.getMessage()).contains("questions.embedding is vector(768)", "gemini-embedding-001 at 1536 dimensions",
                            "POST /api/migration/apply");
                });
        assertThatThrownBy(() -> SchemaCatalog.requireVector(Optional.empty(), 1536, "m")).hasMessageContaining("is missing");
        assertThatThrownBy(() -> SchemaCatalog.requireVector(Optional.of(new SchemaCatalog.ColumnInfo("text", null)), 1536, "m"))
                .hasMessageContaining("is text");
        // halfvec stores the same vectors at half the bytes: a halfvec(3072) column serves 3072-d vectors
        SchemaCatalog.requireVector(Optional.of(new SchemaCatalog.ColumnInfo("halfvec(3072)", 3072, VectorColumnType.HALFVEC)), 3072, "m");
    }

    @Test
    void aTemplateDropsItsHeaderAndRefusesAMissingValue() {
        SqlTemplate t = SqlTemplate.parse("t.sql", "-- about it\n-- more\nselect ${a}, '${b}'\n");
        assertThat(t.render(Map.of("a", "${b}", "b", "2"))).isEqualTo("select ${b}, '2'");
        assertThatThrownBy(() -> t.render(Map.of("a", "1"))).hasMessageContaining("${b}");
    }

    @Test
    void theFunctionDdlIsForTheGivenDimension() {
        String ddl = MatchFunction.createDdl(768);
        assertThat(ddl).startsWith("create or replace function match_questions_with_solutions(query_embedding vector(768),")
                .doesNotContain("${").endsWith("$body$");
        // the shadow's search: same arguments (callers pass vector(N)), the query cast to the column's type
        String shadow = MatchFunction.createDdl(MatchFunction.SHADOW_NAME, "embedding_next", 3072, VectorColumnType.HALFVEC);
        assertThat(shadow).startsWith("create or replace function reembed_match_next(query_embedding vector(3072),")
                .contains("q.embedding_next <=> query_embedding::halfvec(3072)").doesNotContain("q.embedding ");
    }
}
