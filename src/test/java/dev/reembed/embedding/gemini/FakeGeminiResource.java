package dev.reembed.embedding.gemini;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts {@link FakeGeminiApi} on a loopback port and points the app at it:
 * provider gemini, base URL, API key. Inject it into a test with {@link InjectFakeGemini}.
 */
public class FakeGeminiResource implements QuarkusTestResourceLifecycleManager {

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectFakeGemini {
    }

    private FakeGeminiApi fake;

    @Override
    public Map<String, String> start() {
        try {
            fake = new FakeGeminiApi();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "reembed.embedding.provider", "gemini",
                "reembed.gemini.base-url", fake.baseUrl(),
                "reembed.gemini.api-key", FakeGeminiApi.KEY);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectFakeGemini.class,
                FakeGeminiApi.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
