package dev.reembed.online;

import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.migration.MigrationRepository;

/**
 * Flyway's view of an online move from the pre-change column (V3 still pending, start-target=2):
 * after the cutover questions.embedding is no longer the source's vector(768), so V3 must count as
 * applied, or a later start with start-target=latest would run it on the new column. The cutover
 * records it (and the migration remembers that it did); the swap back takes the record away again.
 */
@ApplicationScoped
public class V3History {

    private final MigrationRepository migration;

    public V3History(MigrationRepository migration) {
        this.migration = migration;
    }

    ShadowSchemaRepository.InLock forCutover(OnlineMigrationRow m) {
        return c -> {
            if (!MigrationRepository.isV3Recorded(c) && migration.markV3Applied(c, 0)) {
                mark(c, m, true);
            }
        };
    }

    ShadowSchemaRepository.InLock forSwapBack(OnlineMigrationRow m) {
        return c -> {
            if (m.markedV3() && MigrationRepository.unmarkV3(c)) {
                mark(c, m, false);
            }
        };
    }

    private static void mark(java.sql.Connection c, OnlineMigrationRow m, boolean marked) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("update online_migrations set marked_v3 = " + marked + " where id = " + m.id());
        }
    }
}
