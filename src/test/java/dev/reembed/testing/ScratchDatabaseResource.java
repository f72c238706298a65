package dev.reembed.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.quarkus.test.common.DevServicesContext;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a test class a database of its own: a clone of {@code <test db>_template} (pgvector
 * installed, made by scripts/postgres.sh), or, where no template exists (Dev Services), a new
 * database in which the extension is created. Dropped when the class is done.
 *
 * <p>Init arg {@code prepare}: the name of a {@link java.util.function.Consumer} of
 * {@link Connection} class run on the new database before the application starts.
 */
public class ScratchDatabaseResource implements QuarkusTestResourceLifecycleManager, DevServicesContext.ContextAware {

    private Map<String, String> devServices = Map.of();
    private String prepare;
    private String database;
    private String adminUrl;
    private String user;
    private String password;

    @Override
    public void setIntegrationTestContext(DevServicesContext context) {
        devServices = context.devServicesProperties();
    }

    @Override
    public void init(Map<String, String> initArgs) {
        prepare = initArgs.get("prepare");
    }

    @Override
    public Map<String, String> start() {
        adminUrl = setting("quarkus.datasource.jdbc.url", "QUARKUS_DATASOURCE_JDBC_URL")
                .orElseThrow(() -> new IllegalStateException("No test database: run scripts/test.sh, or give QUARKUS_DATASOURCE_JDBC_URL"));
        user = setting("quarkus.datasource.username", "QUARKUS_DATASOURCE_USERNAME").orElse(null);
        password = setting("quarkus.datasource.password", "QUARKUS_DATASOURCE_PASSWORD").orElse(null);
        database = TestDb.scratchName(adminUrl);
        String template = databaseName(adminUrl) + "_template";
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            boolean hasTemplate;
            try (var rs = st.executeQuery("select count(*) from pg_database where datname = '" + template.replace("'", "") + "'")) {
                rs.next();
                hasTemplate = rs.getInt(1) == 1;
            }
            // generated names and the configured database's own name: no request input here
            st.execute("create database " + database + (hasTemplate ? " template " + template : ""));
            if (!hasTemplate) {
                try (Connection s = DriverManager.getConnection(TestDb.replaceDatabase(adminUrl, database), user, password);
                        Statement st2 = s.createStatement()) {
                    st2.execute("create extension if not exists vector");
                }
            }
            if (prepare != null) {
                try (Connection s = DriverManager.getConnection(TestDb.replaceDatabase(adminUrl, database), user, password)) {
                    @SuppressWarnings("unchecked")
                    var step = (java.util.function.Consumer<Connection>) Class.forName(prepare).getDeclaredConstructor().newInstance();
                    step.accept(s);
                }
            }
        } catch (SQLException | ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot create a scratch database", e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", TestDb.replaceDatabase(adminUrl, database));
        if (user != null) {
            config.put("quarkus.datasource.username", user);
        }
        if (password != null) {
            config.put("quarkus.datasource.password", password);
        }
        return config;
    }

    @Override
    public void stop() {
        if (database == null) {
            return;
        }
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            st.execute("drop database if exists " + database + " with (force)");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop " + database, e);
        }
    }

    private Optional<String> setting(String property, String env) {
        return Optional.ofNullable(devServices.get(property))
                .or(() -> Optional.ofNullable(System.getProperty(property)))
                .or(() -> Optional.ofNullable(System.getenv(env)));
    }

    private static String databaseName(String url) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(slash + 1, query < 0 ? url.length() : query);
    }
}
