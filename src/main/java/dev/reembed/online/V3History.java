package dev.reembed.online;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Flyway's view of an online move from the pre-change column (V3 still pending, start-target=2):
 * after the cutover questions.embedding is no longer vector(768), so V3 must count as applied, or
 * a later start with start-target=latest would run it on the new column. The swap back undoes it.
 */
@ApplicationScoped
public class V3History {

    ShadowSchemaRepository.InLock forCutover(OnlineMigrationRow m) {
        return c -> {
            if (!v3Applied(c)) {
                throw new IllegalStateException("An online migration from the pre-change schema (V3 pending) cannot cut over yet: "
                        + "apply the schema change first");
            }
        };
    }

    ShadowSchemaRepository.InLock forSwapBack(OnlineMigrationRow m) {
        return c -> {
        };
    }

    static boolean v3Applied(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from flyway_schema_history where version = '3' and success")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }
}
