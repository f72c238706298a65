package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

class EmbeddingStartupCheckTest {

    final ModelRegistry registry = new ModelRegistry();

    EmbeddingStartupCheck check(String provider, String model, int dims) {
        return check(config(provider, model, dims));
    }

    EmbeddingStartupCheck check(SmallRyeConfig c) {
        return new EmbeddingStartupCheck(registry, c.getConfigMapping(TargetConfig.class),
                c.getConfigMapping(EmbeddingConfig.class), c);
    }

    @Test
    void theDefaultConfigStarts() {
        assertThatCode(() -> check("local", "gemini-embedding-001", 1536).check()).doesNotThrowAnyException();
        assertThatCode(() -> check("local", "all-minilm-l6-v2", 384).check()).doesNotThrowAnyException();
        assertThatCode(() -> check("gemini", "gemini-embedding-001", 1536).check()).doesNotThrowAnyException();
    }

    @Test
    void anImpossibleTargetStopsStartUpWithTheReason() {
        assertThatThrownBy(() -> check(config("gemini", "gemini-embedding-001", 3072, storage("VECTOR"))).check())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reembed.target.dimensions=3072").hasMessageContaining("reembed.target.storage=VECTOR")
                .hasMessageContaining("halfvec");
        assertThatThrownBy(() -> check("gemini", "text-embedding-ada-002", 768).check())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fixed output dimension of 1536");
        assertThatThrownBy(() -> check("local", "all-minilm-l6-v2", 1536).check())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fixed output dimension of 384");
    }

    @Test
    void aboveTwoThousandDimensionsTheDefaultStorageIsHalfvec() {
        assertThat(config("gemini", "gemini-embedding-001", 3072).getConfigMapping(TargetConfig.class).storageType())
                .isEqualTo(VectorColumnType.HALFVEC);
        assertThat(config("gemini", "gemini-embedding-001", 1536).getConfigMapping(TargetConfig.class).storageType())
                .isEqualTo(VectorColumnType.VECTOR);
        assertThatCode(() -> check("gemini", "gemini-embedding-001", 3072).check()).doesNotThrowAnyException();
        assertThatCode(() -> check(config("gemini", "gemini-embedding-001", 3072, storage("halfvec"))).check())
                .doesNotThrowAnyException();
        assertThatCode(() -> check(config("gemini", "gemini-embedding-001", 1536, storage("HALFVEC"))).check())
                .doesNotThrowAnyException();
    }

    @Test
    void anInvalidStorageStopsStartUp() {
        assertThatThrownBy(() -> check(config("gemini", "gemini-embedding-001", 1536, storage("float16"))).check())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("reembed.target.storage=float16 is not AUTO, VECTOR or HALFVEC");
    }

    private static Map<String, String> storage(String value) {
        return Map.of("reembed.gemini.api-key", "k", "reembed.target.storage", value);
    }

    @Test
    void aMissingKeyOfTheChosenProviderIsWarnedAboutWithWhereToSetIt() {
        try (LogCapture logs = LogCapture.start()) {
            check(config("openai", "text-embedding-3-small", 1536, Map.of())).check();
            check(config("voyage", "voyage-4", 1024, Map.of())).check();
            check(config("gemini", "gemini-embedding-001", 1536, Map.of("reembed.gemini.api-key", ""))).check();
            check(config("openai", "text-embedding-3-large", 1536, Map.of("reembed.openai.api-key", "sk-x"))).check();

            assertThat(logs.lines()).filteredOn(l -> l.contains("no API key is set")).satisfiesExactly(
                    l -> assertThat(l).contains("reembed.embedding.provider=openai but no API key is set "
                            + "(OPENAI_API_KEY or reembed.openai.api-key)"),
                    l -> assertThat(l).contains("reembed.embedding.provider=voyage but no API key is set "
                            + "(VOYAGE_API_KEY or reembed.voyage.api-key)"),
                    l -> assertThat(l).contains("reembed.embedding.provider=gemini but no API key is set "
                            + "(GEMINI_API_KEY or reembed.gemini.api-key)"));
        }
    }

    static SmallRyeConfig config(String provider, String model, int dims) {
        return config(provider, model, dims, Map.of("reembed.gemini.api-key", "k"));
    }

    /** Real config mappings built by SmallRye Config from a map (anonymous implementations would trip ArC). */
    static SmallRyeConfig config(String provider, String model, int dims, Map<String, String> more) {
        Map<String, String> properties = new HashMap<>(more);
        properties.put("reembed.target.model", model);
        properties.put("reembed.target.dimensions", String.valueOf(dims));
        properties.put("reembed.embedding.provider", provider);
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus's "10s" syntax
                .withMapping(TargetConfig.class)
                .withMapping(EmbeddingConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
    }
}
