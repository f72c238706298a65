package dev.reembed;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged jar (target/quarkus-app/quarkus-run.jar) started as a separate process against the
 * test database: it migrates at start and answers health.
 */
@QuarkusIntegrationTest
class ApplicationIT {

    @Test
    void startsMigratesAndAnswersHealth() throws Exception {
        // health is on the management port (9000; the packaged-jar test does not move it)
        given().baseUri("http://localhost").port(9000).when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));

        // OpenAPI and Swagger UI are part of the packaged service
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/api/backfills"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/migration/apply"));
        given().get("/q/swagger-ui/").then().statusCode(200);

        try (Connection c = DriverManager.getConnection(System.getenv("QUARKUS_DATASOURCE_JDBC_URL"),
                System.getenv("QUARKUS_DATASOURCE_USERNAME"), System.getenv("QUARKUS_DATASOURCE_PASSWORD"));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "select string_agg(version, ',' order by installed_rank) from flyway_schema_history where success")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("1,2");
        }
    }
}
