package dev.reembed.embedding.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.bedrock.FakeBedrockResource.InjectFakeBedrock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** reembed.embedding.provider=bedrock: the CDI producer builds the Bedrock provider from reembed.bedrock.* config. */
@QuarkusTest
@TestProfile(FakeBedrockResource.Profile.class)
class BedrockProviderWiringTest {

    @InjectFakeBedrock
    FakeBedrockApi fake;

    @Inject
    EmbeddingProvider provider;

    @Inject
    BedrockConfig config;

    @Test
    void theConfiguredProviderEmbedsThroughSignedInvokeModelCalls() {
        EmbeddingBatch batch = provider.embedDocuments(List.of(new DocumentText("Title", "Content"), new DocumentText(null, "More")));

        assertThat(provider.name()).isEqualTo("bedrock");
        assertThat(provider.model()).isEqualTo(FakeBedrockApi.TITAN);
        assertThat(provider.dimensions()).isEqualTo(1024);
        assertThat(provider.maxItemsPerRequest()).isEqualTo(1);
        assertThat(batch.vectors()).hasSize(2).allSatisfy(v -> assertThat(v).hasSize(1024));
        assertThat(fake.successfulRequests()).isEqualTo(2); // signed with the configured static credentials
        assertThat(config.endpointOverride()).contains(fake.endpoint());
        assertThat(provider.toString()).doesNotContain(FakeBedrockApi.SECRET_ACCESS_KEY);
        assertThat(config.toString()).doesNotContain(FakeBedrockApi.SECRET_ACCESS_KEY);
    }
}
