package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.GeminiConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

class EmbeddingStartupCheckTest {

    final ModelRegistry registry = new ModelRegistry();

    EmbeddingStartupCheck check(String provider, String model, int dims) {
        SmallRyeConfig c = config(provider, model, dims);
        return new EmbeddingStartupCheck(registry, c.getConfigMapping(TargetConfig.class),
                c.getConfigMapping(EmbeddingConfig.class), c.getConfigMapping(GeminiConfig.class));
    }

    @Test
    void theDefaultConfigStarts() {
        assertThatCode(() -> check("local", "gemini-embedding-001", 1536).check()).doesNotThrowAnyException();
        assertThatCode(() -> check("local", "all-minilm-l6-v2", 384).check()).doesNotThrowAnyException();
        assertThatCode(() -> check("gemini", "gemini-embedding-001", 1536).check()).doesNotThrowAnyException();
    }

    @Test
    void anImpossibleTargetStopsStartUpWithTheReason() {
        assertThatThrownBy(() -> check("gemini", "gemini-embedding-001", 3072).check())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reembed.target.dimensions=3072").hasMessageContaining("halfvec");
        assertThatThrownBy(() -> check("gemini", "text-embedding-ada-002", 768).check())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fixed output dimension of 1536");
        assertThatThrownBy(() -> check("local", "all-minilm-l6-v2", 1536).check())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fixed output dimension of 384");
    }

    /** Real config mappings built by SmallRye Config from a map (anonymous implementations would trip ArC). */
    static SmallRyeConfig config(String provider, String model, int dims) {
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus's "10s" syntax
                .withMapping(TargetConfig.class)
                .withMapping(EmbeddingConfig.class)
                .withMapping(GeminiConfig.class)
                .withSources(new PropertiesConfigSource(Map.of(
                        "reembed.target.model", model,
                        "reembed.target.dimensions", String.valueOf(dims),
                        "reembed.embedding.provider", provider,
                        "reembed.gemini.api-key", "k"), "test", 100))
                .build();
    }
}
