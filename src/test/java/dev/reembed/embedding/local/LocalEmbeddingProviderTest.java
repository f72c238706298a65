package dev.reembed.embedding.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.Vectors;

/** The in-process model really runs here (no network): plain JUnit, no Quarkus needed. */
class LocalEmbeddingProviderTest {

    static final LocalEmbeddingProvider provider = new LocalEmbeddingProvider();

    @Test
    void aParaphraseScoresHigherThanAnUnrelatedText() {
        EmbeddingBatch batch = provider.embedQueries(List.of(
                "How do I reset my password?",
                "I forgot my password, how can I change it?",
                "What is the boiling point of water at sea level?"));

        float[] q = batch.vectors().get(0);
        double paraphrase = Vectors.cosine(q, batch.vectors().get(1));
        double unrelated = Vectors.cosine(q, batch.vectors().get(2));
        System.out.printf("local all-minilm-l6-v2: paraphrase %.3f, unrelated %.3f%n", paraphrase, unrelated);
        assertThat(paraphrase).isGreaterThan(unrelated + 0.3);
    }

    @Test
    void aCallOfAnyLengthIsOneRequest() {
        assertThat(provider.requestsFor(250, 100)).isEqualTo(3);
        assertThat(provider.requestsFor(250, 1000)).isEqualTo(1);
    }

    @Test
    void returnsUnitVectorsOf384DimensionsInInputOrder() {
        EmbeddingBatch batch = provider.embedDocuments(List.of(
                new DocumentText("Password reset", "The reset link never arrives."),
                new DocumentText(null, "Printer shows offline.")));

        assertThat(batch.vectors()).hasSize(2).allSatisfy(v -> {
            assertThat(v).hasSize(384);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, offset(1e-6));
        });
        assertThat(batch.inputTokens()).isPositive();
        // Documents are "title\n\ncontent": the same text as a query gives the same vector.
        float[] asQuery = provider.embedQueries(List.of("Password reset\n\nThe reset link never arrives.")).vectors().get(0);
        assertThat(Vectors.cosine(asQuery, batch.vectors().get(0))).isCloseTo(1.0, offset(1e-5));
        assertThat(provider.model()).isEqualTo("all-minilm-l6-v2");
        assertThat(provider.dimensions()).isEqualTo(384);
    }
}
