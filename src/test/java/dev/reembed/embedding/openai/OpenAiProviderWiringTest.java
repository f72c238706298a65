package dev.reembed.embedding.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.testing.fake.ProviderFakeResource;
import dev.reembed.testing.fake.ProviderFakeResource.InjectProviderFake;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** reembed.embedding.provider=openai: the CDI producer builds the OpenAI provider from config. */
@QuarkusTest
@QuarkusTestResource(value = ProviderFakeResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "fake", value = "dev.reembed.embedding.openai.FakeOpenAiApi"))
class OpenAiProviderWiringTest {

    @InjectProviderFake
    FakeOpenAiApi fake;

    @Inject
    EmbeddingProvider provider;

    @Inject
    OpenAiConfig config;

    @Test
    void theConfiguredProviderEmbedsThroughTheOpenAiApiAtTheTargetDimension() {
        EmbeddingBatch batch = provider.embedDocuments(List.of(new DocumentText("Title", "Content")));

        assertThat(provider.name()).isEqualTo("openai");
        assertThat(provider.model()).isEqualTo("text-embedding-3-small");
        assertThat(provider.dimensions()).isEqualTo(1536);
        assertThat(provider.maxItemsPerRequest()).isEqualTo(2048);
        assertThat(batch.vectors().get(0)).hasSize(1536);
        assertThat(fake.requests()).hasSize(1);
        assertThat(fake.lastAuthorization()).isEqualTo("Bearer " + FakeOpenAiApi.KEY);
        assertThat(provider.toString()).doesNotContain(FakeOpenAiApi.KEY);
        assertThat(config.toString()).doesNotContain(FakeOpenAiApi.KEY);
    }
}
