package dev.reembed.schema;

import java.util.Map;

import dev.reembed.embedding.VectorColumnType;

/**
 * {@code match_questions_with_solutions(vector(N), float, int)}, the application's search. Its DDL
 * is {@code db/sql/match_function.sql}, the one definition every code path that creates the
 * function renders. The online migration's shadow column gets the same function under
 * {@link #SHADOW_NAME}; at the cutover the real one is recreated for the new column type.
 */
public final class MatchFunction {

    public static final String NAME = "match_questions_with_solutions";
    /** The search of an online migration's shadow column, same arguments and result. */
    public static final String SHADOW_NAME = "reembed_match_next";
    /** Its arguments as {@code pg_get_function_identity_arguments} prints them. */
    public static final String IDENTITY_ARGUMENTS = "query_embedding vector, match_threshold double precision, match_count integer";

    private static final SqlTemplate DDL = SqlTemplate.load("match_function.sql");

    private MatchFunction() {
    }

    /** CREATE OR REPLACE FUNCTION for queries of {@code dimensions} dimensions on a vector column. No trailing semicolon. */
    public static String createDdl(int dimensions) {
        return createDdl(NAME, "embedding", dimensions, VectorColumnType.VECTOR);
    }

    /**
     * The same for {@code function} searching {@code column} of {@code type}. Names come from
     * constants of this code base, never from input; the dimension is an int.
     */
    public static String createDdl(String function, String column, int dimensions, VectorColumnType type) {
        return DDL.render(Map.of("function", function, "column", column, "dimensions", Integer.toString(dimensions),
                "storage", type.sqlName()));
    }

    /** DROP FUNCTION IF EXISTS of {@code function} with the search's arguments. */
    public static String dropDdl(String function) {
        return "drop function if exists " + function + "(vector, double precision, integer)";
    }
}
