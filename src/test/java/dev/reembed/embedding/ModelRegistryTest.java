package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import dev.reembed.common.ProblemException;

class ModelRegistryTest {

    final ModelRegistry registry = new ModelRegistry();

    @Test
    void holdsTheSeedModelsTheCurrentOnesAndTheLocalOne() {
        assertThat(registry.all()).extracting(ModelSpec::id).contains("text-embedding-3-small",
                "text-embedding-3-large", "text-embedding-ada-002", "voyage-large-2", "voyage-code-3", "voyage-2",
                "voyage-code-2", "voyage-3.5", "voyage-3-large", "amazon.titan-embed-text-v2:0",
                "cohere.embed-english-v3", "cohere.embed-multilingual-v3", "gemini-embedding-001",
                "gemini-embedding-2", "text-embedding-004", "text-multilingual-embedding-002",
                "multimodal-embedding", "all-minilm-l6-v2");
        assertThat(registry.all()).extracting(ModelSpec::id).doesNotHaveDuplicates();
        assertThat(registry.all()).extracting(ModelSpec::kind).containsOnly("text", "code", "multimodal");
        // The seed's spellings still find the Bedrock models.
        assertThat(registry.find("titan-embed-text-v2").orElseThrow().id()).isEqualTo("amazon.titan-embed-text-v2:0");
        assertThat(registry.find("embed-english-v3").orElseThrow().id()).isEqualTo("cohere.embed-english-v3");
    }

    @Test
    void everyModelAProviderServesHasItsCapsPriceAndSource() {
        assertThat(registry.all().stream().filter(m -> !m.servedBy().isEmpty())).allSatisfy(m -> {
            assertThat(m.maxInputTokens()).as(m.id()).isNotNull();
            assertThat(m.pricePerMillionTokens()).as(m.id()).isNotNull();
            assertThat(m.sources()).as(m.id()).isNotEmpty();
            assertThat(m.accepts(m.defaultDimensions())).as(m.id()).isTrue();
        });
        ModelSpec g2 = registry.find("gemini-embedding-2").orElseThrow();
        assertThat(g2.batchPricePerMillionTokens()).isEqualByComparingTo(g2.pricePerMillionTokens().divide(BigDecimal.valueOf(2)));
        assertThat(g2.maxInputTokens()).isEqualTo(8192);
    }

    @Test
    void textEmbedding004IsShutDownOnTheGeminiApi() {
        ModelSpec old = registry.find("text-embedding-004").orElseThrow();
        assertThat(old.shutDownOn("gemini")).contains(java.time.LocalDate.of(2026, 1, 14));
        assertThat(old.servedBy("gemini")).isFalse();
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateProvider("gemini", "text-embedding-004", 768)).problem().detail)
                .contains("shut down").contains("2026-01-14").contains("vertex-ai");
        // Still a valid source model: what is stored was made by it.
        assertThat(registry.validateTarget("text-embedding-004", 768).id()).isEqualTo("text-embedding-004");
    }

    @Test
    void aModelWithAFixedSetOfDimensionsRefusesTheOthers() {
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("amazon.titan-embed-text-v2:0", 768)).problem().detail)
                .contains("only [256, 512, 1024]");
        assertThat(registry.validateTarget("voyage-3.5", 512).id()).isEqualTo("voyage-3.5");
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateTarget("voyage-3.5", 1536)).problem().detail).contains("256, 512, 1024, 2048");
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
                .contains("set reembed.embedding.provider to one of [openai]");
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> registry.validateProvider("gemini", "multimodal-embedding", 1408)).problem().detail)
                .contains("no provider of this service serves it");
    }
}
