package dev.reembed.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.VectorColumnType;
import dev.reembed.migration.EmbeddingChange;

/**
 * Applied migrations are recorded by checksum in users' databases, so their bytes never change;
 * the index and function they create have one definition now, the templates under db/sql, which
 * every later path renders (the rollback, the backfill's rebuild). This keeps the two the same: the
 * frozen text must be the template rendered with the migration's own placeholders.
 */
class FrozenMigrationsTest {

    @Test
    void appliedMigrationsKeepTheirBytes() {
        // Changing one of these breaks every database that applied it: add a new V2_x migration instead.
        assertThat(sha256("db/migration/V2__Questions_schema.sql"))
                .isEqualTo("3af2ff4dd1807b39117b05ce836074f4dc9ef7fe1c7a29ccc13648fdfbe03682");
        assertThat(sha256("db/migration/V2_1__Backfill_state.sql"))
                .isEqualTo("e564ee0e275b151b6637a5f32d81e3eda9e1c670d879199d55029b8549ca0964");
        assertThat(sha256("db/migration/V2_2__Api_keys_and_audit.sql"))
                .isEqualTo("6945f889d21a62506f98ae929710a5768d767acc9e31dcc4473fd53070148965");
        assertThat(sha256("db/migration/V2_3__Backfill_search_index.sql"))
                .isEqualTo("bf3e41d86ec8a36ddba0bda199a978e79ade3fd52310bb8523d1230311db141a");
        assertThat(sha256("db/migration/V2_4__Backfill_generation.sql"))
                .isEqualTo("ea46ada5426bcae093fe9d061bdd90dc6717258bc76b815b19031b633cd10359");
        assertThat(sha256("db/migration/V2_5__Backfill_history.sql"))
                .isEqualTo("2630e061b3102c155625125322b917a1a42ccf19fad9db9ae0be7855bf0b70d4");
        assertThat(sha256("db/migration/V3__Embedding_schema_update.sql"))
                .isEqualTo("d60d603d10c3286038c6397d501ec53c7d4392ad8b0d4a4e0972aeeb5729302e");
    }

    @Test
    void theEmbeddingChangeRenderedForVectorIsV3() {
        // V3 after its header, byte for byte: the template is the one definition of the change, V3 its
        // frozen vector rendering, so the halfvec change can never drift from what V3 does.
        String v3 = SqlTemplate.parse("V3", text("db/migration/V3__Embedding_schema_update.sql")).text();
        Map<String, String> values = new HashMap<>(EmbeddingChange.typeValues(VectorColumnType.VECTOR));
        values.putAll(EmbeddingChange.v3CatalogChecks());
        for (String flyway : List.of("target_dimensions", "source_dimensions", "hnsw_m", "hnsw_ef_construction")) {
            values.put(flyway, "${" + flyway + "}"); // Flyway's placeholders stay, as V3 has them
        }
        assertThat(SqlTemplate.load("embedding_change.sql").render(values)).isEqualTo(v3);
    }

    @Test
    void v3CreatesTheIndexOfTheTemplateSeriallyBeforePgvector082() {
        String v3 = text("db/migration/V3__Embedding_schema_update.sql");
        String index = SqlTemplate.load("hnsw_index.sql").render(Map.of("create_index", "create index",
                "index", "idx_questions_embedding", "column", "embedding", "opclass", "vector_cosine_ops",
                "hnsw_m", "${hnsw_m}", "hnsw_ef_construction", "${hnsw_ef_construction}"));
        assertThat(v3).contains("\n" + PgvectorVersion.serialHnswBuildSql() + ";\n" + index + ";\n");
    }

    @Test
    void v3CreatesTheFunctionOfTheTemplate() {
        String v3 = text("db/migration/V3__Embedding_schema_update.sql");
        // V3 makes it through format() inside reembed_create_match_function, indented by 8, dimensions = %1$s.
        String function = SqlTemplate.load("match_function.sql").render(Map.of("dimensions", "%1$s", "function", MatchFunction.NAME,
                        "column", "embedding", "storage", "vector"))
                .lines().map(l -> "        " + l).collect(Collectors.joining("\n"));
        assertThat(v3).contains("\n" + function + "\n    $ddl$, dims);\n");
    }

    @Test
    void v2CreatesTheIndexAndFunctionOfTheTemplates() {
        String v2 = text("db/migration/V2__Questions_schema.sql");
        // V2 (production's schema before reembed) takes pgvector's defaults, m 16 and ef_construction 64,
        // which are reembed.migration.hnsw.*'s defaults: the template without its WITH clause.
        String index = oneLine(SqlTemplate.load("hnsw_index.sql").text())
                .replace("${create_index}", "create index").replace("${index}", "idx_questions_embedding")
                .replace("${column}", "embedding").replace("${opclass}", "vector_cosine_ops").replaceAll(" with \\(.*\\)$", "");
        assertThat(v2).contains("\n" + index + ";\n");

        // The function: the same query byte for byte; the header differs only in "or replace" and alignment.
        String template = SqlTemplate.load("match_function.sql").render(Map.of("dimensions", "${source_dimensions}",
                "function", MatchFunction.NAME, "column", "embedding", "storage", "vector"));
        String templateHead = template.substring(0, template.indexOf("$body$\n"));
        String templateQuery = between(template, "$body$\n", "\n$body$");
        int start = v2.indexOf("create function match_questions_with_solutions(");
        String v2Function = v2.substring(start, v2.indexOf("\n$$;", start) + 3);
        assertThat(between(v2Function, "$$\n", "\n$$")).isEqualTo(templateQuery);
        assertThat(oneLine(v2Function.substring(0, v2Function.indexOf("$$\n"))))
                .isEqualTo(oneLine(templateHead).replace("create or replace function", "create function"));
    }

    private static String between(String s, String from, String to) {
        int a = s.indexOf(from) + from.length();
        return s.substring(a, s.indexOf(to, a));
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s+", " ").replace("( ", "(");
    }

    private static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static String sha256(String resource) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(resource)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = FrozenMigrationsTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
