package dev.reembed.tenant;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.reembed.embedding.gemini.FakeGeminiResource;
import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.ScratchDatabaseResource;

/**
 * Tenants on, against the fake Gemini API, in a database of its own whose {@code companies} table
 * (seed 003) names three served tenants and the bad rows a real table has: a schema that does not
 * exist, a name that is no identifier, an unknown model, a suspended and a deleted company. Held at
 * version 2, as production starts.
 */
public class TenantProfile extends FakeGeminiProfile {

    /**
     * Roles are the cluster's, not the database's: a prefix of this run's own keeps concurrent runs
     * apart. A system property, as the profile and the test are loaded by different class loaders.
     */
    static String rolePrefix() {
        synchronized (System.class) {
            String prefix = System.getProperty("reembed.test.role-prefix");
            if (prefix == null) {
                prefix = "t" + Long.toHexString(System.nanoTime() & 0xffffffL) + "_";
                System.setProperty("reembed.test.role-prefix", prefix);
            }
            return prefix;
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(super.getConfigOverrides());
        config.put("reembed.tenancy.enabled", "true");
        config.put("reembed.tenancy.discovery-interval", "0.2s");
        config.put("reembed.tenancy.workers", "2");
        config.put("reembed.tenancy.role-prefix", rolePrefix());
        config.put("reembed.migration.start-target", "2");
        return config;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ScratchDatabaseResource.class, Map.of("prepare", Seed.class.getName())),
                new TestResourceEntry(FakeGeminiResource.class));
    }

    /** public.companies as seed 003 has it, and the tenants' schemas. */
    public static class Seed implements Consumer<Connection> {
        @Override
        public void accept(Connection c) {
            try (Statement st = c.createStatement()) {
                st.execute("""
                        create table companies (
                            id uuid primary key default gen_random_uuid(),
                            company_name varchar(255) not null unique,
                            schema_name varchar(100) not null unique,
                            status varchar(20) not null default 'active' check (status in ('active', 'inactive', 'suspended')),
                            created_at timestamptz default current_timestamp,
                            updated_at timestamptz default current_timestamp,
                            deleted_at timestamptz null)""");
                st.execute("create schema acme");
                st.execute("create schema globex");
                st.execute("create schema initech");
                st.execute("create table initech.ai_config (embedding_model text)");
                st.execute("insert into initech.ai_config values ('text-embedding-3-small')");
                st.execute("create schema umbrella");
                st.execute("create table umbrella.ai_config (embedding_model text)");
                st.execute("insert into umbrella.ai_config values ('no-such-model')");
                st.execute("create schema hooli");
                st.execute("""
                        insert into companies (company_name, schema_name, status, deleted_at) values
                            ('Acme', 'acme', 'active', null),
                            ('Globex', 'globex', 'active', null),
                            ('Initech', 'initech', 'active', null),
                            ('Umbrella', 'umbrella', 'active', null),
                            ('Ghost', 'ghost', 'active', null),
                            ('Bad Name', 'Bad-Name"; drop table companies; --', 'active', null),
                            ('Hooli', 'hooli', 'suspended', null),
                            ('Gone', 'gone', 'active', now())""");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
