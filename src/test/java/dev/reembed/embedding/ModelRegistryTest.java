package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import dev.reembed.common.ProblemException;

class ModelRegistryTest {

    final ModelRegistry registry = new ModelRegistry();

    @Test
    void holdsTheFourteenSeedModelsPlusTheLocalOne() {
        assertThat(registry.all()).hasSize(15);
        assertThat(registry.all()).extracting(ModelSpec::id).contains("text-embedding-3-small",
                "text-embedding-3-large", "text-embedding-ada-002", "voyage-large-2", "voyage-code-3", "voyage-2",
                "voyage-code-2", "titan-embed-text-v2", "embed-english-v3", "embed-multilingual-v3",
                "gemini-embedding-001", "text-embedding-004", "text-multilingual-embedding-002",
                "multimodal-embedding", "all-minilm-l6-v2");
        assertThat(registry.all()).extracting(ModelSpec::kind).containsOnly("text", "code", "multimodal");
    }

    @Test
    void geminiEmbedding001HasTheRealApisFacts() {
        ModelSpec g = registry.find("gemini-embedding-001").orElseThrow();
        assertThat(g.defaultDimensions()).isEqualTo(3072);
        assertThat(g.reducible()).isTrue();
        assertThat(g.minDimensions()).isEqualTo(128);
        assertThat(g.maxDimensions()).isEqualTo(3072);
        assertThat(g.maxInputTokens()).isEqualTo(2048);
        assertThat(g.servedBy()).containsExactly("gemini", "vertex-ai");
        assertThat(registry.find("models/gemini-embedding-001")).contains(g);

        ModelSpec local = registry.find("all-minilm-l6-v2").orElseThrow();
        assertThat(local.defaultDimensions()).isEqualTo(384);
        assertThat(local.reducible()).isFalse();
        assertThat(local.pricePerMillionTokens()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void acceptsTheMigrationTargetAndTheOfflineDemoTarget() {
        assertThat(registry.validateTarget("gemini-embedding-001", 1536).id()).isEqualTo("gemini-embedding-001");
        assertThat(registry.validateTarget("text-embedding-004", 768).id()).isEqualTo("text-embedding-004");
        assertThat(registry.validateTarget("all-minilm-l6-v2", 384).id()).isEqualTo("all-minilm-l6-v2");
    }

    @Test
    void refusesAReducedDimensionOnAFixedDimensionModel() {
        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("multimodal-embedding", 1536));
        assertThat(e.problem().status).isEqualTo(400);
        assertThat(e.problem().detail).contains("multimodal-embedding has a fixed output dimension of 1408")
                .contains("1536");

        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("text-embedding-ada-002", 768)).problem().detail)
                .contains("fixed output dimension of 1536");
    }

    @Test
    void refusesMoreThan2000DimensionsOnAPlainVectorIndexAndSuggestsHalfvec() {
        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("gemini-embedding-001", 3072));
        assertThat(e.problem().detail).contains("3072 dimensions").contains("vector column (at most 2000)")
                .contains("halfvec").contains("4000");

        assertThat(registry.validateTarget("gemini-embedding-001", 3072, VectorColumnType.HALFVEC).id())
                .isEqualTo("gemini-embedding-001");
    }

    @Test
    void refusesOutOfRangeAndUnknown() {
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("gemini-embedding-001", 64)).problem().detail)
                .contains("from 128 to 3072");
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("text-embedding-004", 1536)).problem().detail)
                .contains("from 1 to 768");
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("gpt-embed-9000", 1536)).problem().detail)
                .contains("Unknown embedding model 'gpt-embed-9000'").contains("gemini-embedding-001");
    }

    @Test
    void checksTheProviderCanProduceTheTarget() {
        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> registry.validateProvider("local", "gemini-embedding-001", 1536));
        assertThat(e.problem().status).isEqualTo(400);
        assertThat(e.problem().detail).contains("'local' cannot produce gemini-embedding-001")
                .contains("all-minilm-l6-v2").contains("[gemini, vertex-ai]");

        assertThat(registry.validateProvider("gemini", "gemini-embedding-001", 1536).id())
                .isEqualTo("gemini-embedding-001");
        assertThat(registry.validateProvider("local", "all-minilm-l6-v2", 384).id()).isEqualTo("all-minilm-l6-v2");
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateProvider("gemini", "text-embedding-3-small", 1536)).problem().detail)
                .contains("no provider of this service serves it");
    }
}
