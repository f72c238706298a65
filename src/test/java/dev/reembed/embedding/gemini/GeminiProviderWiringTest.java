package dev.reembed.embedding.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** reembed.embedding.provider=gemini: the CDI producer builds the Gemini provider from config. */
@QuarkusTest
@QuarkusTestResource(value = FakeGeminiResource.class, restrictToAnnotatedClass = true)
class GeminiProviderWiringTest {

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    EmbeddingProvider provider;

    @Inject
    GeminiConfig config;

    @Test
    void theConfiguredProviderEmbedsThroughTheGeminiApiAtTheTargetDimension() {
        EmbeddingBatch batch = provider.embedDocuments(List.of(new DocumentText("Title", "Content")));

        assertThat(provider.name()).isEqualTo("gemini");
        assertThat(provider.model()).isEqualTo("gemini-embedding-001");
        assertThat(provider.dimensions()).isEqualTo(1536);
        assertThat(batch.vectors().get(0)).hasSize(1536);
        assertThat(fake.requests()).isNotEmpty();
        assertThat(fake.lastKey()).isEqualTo(FakeGeminiApi.KEY);
    }

    @Test
    void theKeyIsNotInToStrings() {
        assertThat(provider.toString()).doesNotContain(FakeGeminiApi.KEY);
        assertThat(config.toString()).doesNotContain(FakeGeminiApi.KEY);
    }
}
