package dev.reembed.embedding.voyage;

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

/** reembed.embedding.provider=voyage: the CDI producer builds the Voyage provider from config. */
@QuarkusTest
@QuarkusTestResource(value = ProviderFakeResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "fake", value = "dev.reembed.embedding.voyage.FakeVoyageApi"))
class VoyageProviderWiringTest {

    @InjectProviderFake
    FakeVoyageApi fake;

    @Inject
    EmbeddingProvider provider;

    @Inject
    VoyageConfig config;

    @Test
    void theConfiguredProviderEmbedsThroughTheVoyageApiAtTheTargetDimension() {
        EmbeddingBatch batch = provider.embedDocuments(List.of(new DocumentText("Title", "Content")));

        assertThat(provider.name()).isEqualTo("voyage");
        assertThat(provider.model()).isEqualTo("voyage-4");
        assertThat(provider.dimensions()).isEqualTo(1024);
        assertThat(provider.maxItemsPerRequest()).isEqualTo(1000);
        assertThat(batch.vectors().get(0)).hasSize(1024);
        assertThat(fake.requests()).hasSize(1);
        assertThat(fake.requests().get(0).path("input_type").asText()).isEqualTo("document");
        assertThat(fake.lastAuthorization()).isEqualTo("Bearer " + FakeVoyageApi.KEY);
        assertThat(provider.toString()).doesNotContain(FakeVoyageApi.KEY);
        assertThat(config.toString()).doesNotContain(FakeVoyageApi.KEY);
    }
}
