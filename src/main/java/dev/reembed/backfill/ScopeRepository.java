package dev.reembed.backfill;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.NamedSql;
import io.agroal.api.AgroalDataSource;

/**
 * Which questions a run's scope covers, as a SQL predicate on {@code questions q}: the one
 * definition the run's creation, the final sweep, the scheduled sweep and the estimate share.
 * STALE takes {@code :model} and {@code :dimensions}. Also counts what a scope covers now.
 */
@ApplicationScoped
public class ScopeRepository {

    /** Rows in scope and their estimated input tokens. */
    public record InScope(long rows, long tokens) {
    }

    private static final Map<Scope, NamedSql> COUNT = perScope("select count(*), 0 from questions q where %s");

    /** The SQL form of TokenEstimator (ASCII characters / 3, rounded up, plus one per other character), for title and content. */
    private static final Map<Scope, NamedSql> ESTIMATE = perScope(s -> {
        String tokens = "(char_length(regexp_replace(%1$s, '[^\\x01-\\x7f]', '', 'g')) + 2) / 3"
                + " + char_length(%1$s) - char_length(regexp_replace(%1$s, '[^\\x01-\\x7f]', '', 'g'))";
        return "select count(*), coalesce(sum(" + tokens.formatted("coalesce(q.title, '')") + " + " + tokens.formatted("q.content")
                + "), 0) from questions q where " + predicate(s);
    });

    private final AgroalDataSource dataSource;

    public ScopeRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Rows in scope right now (the sweep). */
    public long countInScope(Scope scope, String model, int dimensions) {
        return inScope(COUNT, scope, model, dimensions).rows();
    }

    /** Rows in scope and their estimated tokens (the cost estimate). */
    public InScope estimateInScope(Scope scope, String model, int dimensions) {
        return inScope(ESTIMATE, scope, model, dimensions);
    }

    private InScope inScope(Map<Scope, NamedSql> sql, Scope scope, String model, int dimensions) {
        try (Connection c = dataSource.getConnection(); var ps = bind(sql.get(scope).prepare(c), scope, model, dimensions);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new InScope(rs.getLong(1), rs.getLong(2));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count the rows in scope " + scope, e);
        }
    }

    static String predicate(Scope scope) {
        return switch (scope) {
            case MISSING -> "q.deleted_at is null and q.embedding is null";
            case STALE -> """
                    q.deleted_at is null and (q.embedding is null
                        or q.embedding_model is distinct from :model
                        or vector_dims(q.embedding) <> :dimensions
                        or q.embedding_content_hash is distinct from q.content_hash)""";
            case ALL -> "q.deleted_at is null";
        };
    }

    /** One parsed statement per scope, from a template with one {@code %s} for the predicate. */
    static Map<Scope, NamedSql> perScope(String template) {
        return perScope(s -> template.formatted(predicate(s)));
    }

    static Map<Scope, NamedSql> perScope(Function<Scope, String> sql) {
        Map<Scope, NamedSql> out = new EnumMap<>(Scope.class);
        for (Scope s : Scope.values()) {
            out.put(s, NamedSql.of(sql.apply(s)));
        }
        return out;
    }

    static NamedSql.Bound bind(NamedSql.Bound statement, Scope scope, String model, int dimensions) throws SQLException {
        if (scope == Scope.STALE) {
            statement.set("model", model).set("dimensions", dimensions);
        }
        return statement;
    }
}
