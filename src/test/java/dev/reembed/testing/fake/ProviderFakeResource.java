package dev.reembed.testing.fake;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts the {@link ProviderFake} named by the resource arg {@code fake} (a class name with a public
 * no-argument constructor) and points the app at it with the fake's {@link ProviderFake#serviceConfig()}.
 * Inject it into a test with {@link InjectProviderFake}.
 */
public class ProviderFakeResource implements QuarkusTestResourceLifecycleManager {

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectProviderFake {
    }

    private String fakeClass;
    private ProviderFake fake;

    @Override
    public void init(Map<String, String> initArgs) {
        fakeClass = initArgs.get("fake");
    }

    @Override
    public Map<String, String> start() {
        try {
            fake = (ProviderFake) Class.forName(fakeClass).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the fake " + fakeClass, e);
        }
        return fake.serviceConfig();
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectProviderFake.class, fake.getClass()));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
