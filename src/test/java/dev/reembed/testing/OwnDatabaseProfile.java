package dev.reembed.testing;

import java.util.List;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The default configuration on a scratch database of its own, for tests whose calls change the
 * store (a rollback among them) where the shared test database must not see it. The classes that
 * use it share that database: each leaves the schema at the target.
 */
public class OwnDatabaseProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
    }
}
