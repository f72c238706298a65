package dev.reembed.embedding.bedrock;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

import dev.reembed.testing.ScratchDatabaseResource;

/**
 * Starts {@link FakeBedrockApi} and points the app at it with {@link FakeBedrockApi#serviceConfig()}
 * (provider bedrock, region, endpoint override, test credentials, Titan V2 at 1024 d). Inject it with
 * {@link InjectFakeBedrock}; {@link Profile} adds a scratch database, since the target's dimensions
 * differ from the shared test database's.
 */
public class FakeBedrockResource implements QuarkusTestResourceLifecycleManager {

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectFakeBedrock {
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class), new TestResourceEntry(FakeBedrockResource.class));
        }
    }

    private FakeBedrockApi fake;

    @Override
    public Map<String, String> start() {
        try {
            fake = new FakeBedrockApi();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return fake.serviceConfig();
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectFakeBedrock.class, FakeBedrockApi.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
