package dev.reembed.schema;

import java.util.Map;

/**
 * {@code match_questions_with_solutions(vector(N), float, int)}, the application's search. Its DDL
 * is {@code db/sql/match_function.sql}, the one definition every code path that creates the
 * function renders.
 */
public final class MatchFunction {

    public static final String NAME = "match_questions_with_solutions";
    /** Its arguments as {@code pg_get_function_identity_arguments} prints them. */
    public static final String IDENTITY_ARGUMENTS = "query_embedding vector, match_threshold double precision, match_count integer";

    private static final SqlTemplate DDL = SqlTemplate.load("match_function.sql");

    private MatchFunction() {
    }

    /** CREATE OR REPLACE FUNCTION for queries of {@code dimensions} dimensions. No trailing semicolon. */
    public static String createDdl(int dimensions) {
        return DDL.render(Map.of("dimensions", Integer.toString(dimensions))); // an int, never request input
    }
}
