package dev.reembed.testing;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;

/**
 * Every {@code @QuarkusTest} calls the API as the test profile's bootstrap operator; a test that
 * wants another key sets the Authorization header itself (it replaces this one).
 */
public class OperatorKey implements QuarkusTestBeforeEachCallback {

    /** %test.reembed.security.bootstrap-operator-key in application.properties. */
    public static final String KEY = "test-operator-key-9f8e7d6c5b4a";

    public static String bearer() {
        return "Bearer " + KEY;
    }

    /** Adds the operator key to requests that carry no Authorization header of their own. */
    private static final Filter ADD_KEY = (request, response, context) -> {
        if (!request.getHeaders().hasHeaderWithName("Authorization")) {
            request.header("Authorization", bearer());
        }
        return context.next(request, response);
    };

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        // A filter, not a request specification: a specification would pin its own port over Quarkus'.
        RestAssured.replaceFiltersWith(ADD_KEY);
    }
}
