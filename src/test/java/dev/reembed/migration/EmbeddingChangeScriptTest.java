package dev.reembed.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.VectorColumnType;

/** The halfvec change rendered: the column and index are halfvec, the search function still takes vector(N). */
class EmbeddingChangeScriptTest {

    static final Map<String, String> FLYWAY = Map.of("target_dimensions", "3072", "source_dimensions", "768", "hnsw_m", "16",
            "hnsw_ef_construction", "64");

    @Test
    void theHalfvecChange() {
        String script = EmbeddingChange.script(FLYWAY, VectorColumnType.HALFVEC);
        assertThat(script).doesNotContain("${")
                .contains("alter table questions alter column embedding type halfvec(3072) using null;")
                .contains("using hnsw (embedding halfvec_cosine_ops)\n    with (m = 16, ef_construction = 64);")
                .contains("match_questions_with_solutions(query_embedding vector(%1$s),")
                .contains("1 - (q.embedding <=> query_embedding::halfvec(%1$s)) as similarity")
                .contains("if v_index is distinct from 'hnsw halfvec_cosine_ops true' then")
                .contains("perform * from match_questions_with_solutions(null::vector(3072), 0.5, 1);")
                .contains("Altered embedding column to HALFVEC(3072)")
                // the source side is the V2 column either way
                .contains("embedding    vector(768) not null,")
                .doesNotContain("vector_cosine_ops");
    }
}
