package dev.reembed.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** A key that spends its budget gets 429 problem+json with Retry-After; another key is not affected. */
@QuarkusTest
@TestProfile(ApiKeyRateLimitTest.SmallBudget.class)
class ApiKeyRateLimitTest {

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.security.requests-per-minute", "5");
        }
    }

    @Test
    void theSixthRequestOfAMinuteIsRefused() {
        for (int i = 0; i < 5; i++) {
            given().get("/api/models").then().statusCode(200);
        }
        Response sixth = given().get("/api/models");
        assertThat(sixth.statusCode()).isEqualTo(429);
        assertThat(sixth.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(sixth.header("Retry-After"))).isBetween(1, 60);
    }
}
