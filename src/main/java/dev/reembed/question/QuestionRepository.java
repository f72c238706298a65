package dev.reembed.question;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.common.Transactions;
import dev.reembed.embedding.Vectors;
import dev.reembed.schema.MatchFunction;
import io.agroal.api.AgroalDataSource;

/** Every SQL statement of the application path: store a question, call the search function. */
@ApplicationScoped
public class QuestionRepository {

    private final AgroalDataSource dataSource;
    private final ObjectMapper json;

    private final QuestionConfig config;

    public QuestionRepository(AgroalDataSource dataSource, ObjectMapper json, QuestionConfig config) {
        this.dataSource = dataSource;
        this.json = json;
        this.config = config;
    }

    public record Stored(long id, List<QuestionViews.SolutionView> solutions, OffsetDateTime createdAt) {
    }

    /**
     * Stores a question and its solutions in one transaction; with its vector (and the hash of the
     * text it was made from) when there is one.
     */
    public Stored insert(String title, String content, List<String> solutions, float[] vector, String model) {
        return Transactions.inTransaction(dataSource, "Cannot store the question", c -> {
            long id;
            OffsetDateTime createdAt;
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into questions (title, content, embedding, embedding_model, embedded_at)
                    values (?, ?, ?::vector, ?, case when ? then now() end) returning id, created_at""")) {
                ps.setString(1, title);
                ps.setString(2, content);
                ps.setString(3, vector == null ? null : Vectors.literal(vector));
                ps.setString(4, vector == null ? null : model);
                ps.setBoolean(5, vector != null);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                    createdAt = rs.getObject(2, OffsetDateTime.class);
                }
            }
            if (vector != null) {
                // content_hash is generated from the row itself: the vector's text is the stored text.
                try (PreparedStatement ps = c.prepareStatement("update questions set embedding_content_hash = content_hash where id = ?")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            }
            List<QuestionViews.SolutionView> stored = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("insert into solutions (question_id, content) values (?, ?) returning id")) {
                for (String s : solutions) {
                    ps.setLong(1, id);
                    ps.setString(2, s);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        stored.add(new QuestionViews.SolutionView(rs.getLong(1), s));
                    }
                }
            }
            return new Stored(id, stored, createdAt);
        });
    }

    private static final String MATCH = "select id, title, content, similarity, solutions from %s(?::vector, ?, ?)";

    /** match_questions_with_solutions: the application's search, with the configured hnsw.ef_search for this transaction. */
    public List<QuestionViews.Match> match(float[] query, double threshold, int limit) {
        return match(query, threshold, limit, false, null, 0).orElseThrow();
    }

    /**
     * The same during an online migration: {@code shadow} calls the shadow column's function, and
     * the query is answered only if the migration's swap count is still {@code swaps} under the
     * table's ACCESS SHARE lock (held to commit, so no swap commits mid-search); empty when a swap
     * came between the query's embedding and the search, which the caller embeds again for.
     */
    public java.util.Optional<List<QuestionViews.Match>> match(float[] query, double threshold, int limit, boolean shadow,
            Long migrationId, int swaps) {
        return Transactions.inTransaction(dataSource, "Cannot search", c -> {
            if (migrationId != null) {
                try (var st = c.createStatement()) {
                    st.execute("lock table questions in access share mode");
                }
                try (PreparedStatement ps = c.prepareStatement("select swaps from online_migrations where id = ?")) {
                    ps.setLong(1, migrationId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next() || rs.getInt(1) != swaps) {
                            return java.util.Optional.<List<QuestionViews.Match>>empty();
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select set_config('hnsw.ef_search', ?, true)")) {
                ps.setString(1, Integer.toString(config.efSearch()));
                ps.execute();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    MATCH.formatted(shadow ? MatchFunction.SHADOW_NAME : MatchFunction.NAME))) {
                ps.setString(1, Vectors.literal(query));
                ps.setDouble(2, threshold);
                ps.setInt(3, limit);
                List<QuestionViews.Match> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<QuestionViews.SolutionView> solutions = new ArrayList<>();
                        for (JsonNode s : readTree(rs.getString(5))) {
                            solutions.add(new QuestionViews.SolutionView(s.path("id").asLong(), s.path("content").asText()));
                        }
                        out.add(new QuestionViews.Match(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getDouble(4), solutions));
                    }
                }
                return java.util.Optional.of(out);
            }
        });
    }

    private JsonNode readTree(String text) {
        try {
            return json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Cannot read the solutions of a match", e);
        }
    }

    /** One in-scope question with its solutions and the state of its vector. */
    public java.util.Optional<QuestionViews.Created> find(long id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        select q.id, q.title, q.content, q.created_at, q.embedding_model, vector_dims(q.embedding),
                               q.embedding is not null and q.embedding_content_hash is not distinct from q.content_hash,
                               coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'content', s.content) order by s.id)
                                         from solutions s where s.question_id = q.id), '[]'::jsonb)
                        from questions q where q.id = ? and q.deleted_at is null""")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return java.util.Optional.empty();
                }
                List<QuestionViews.SolutionView> solutions = new ArrayList<>();
                for (JsonNode s : json.readTree(rs.getString(8))) {
                    solutions.add(new QuestionViews.SolutionView(s.path("id").asLong(), s.path("content").asText()));
                }
                Integer dims = rs.getObject(6) == null ? null : rs.getInt(6);
                QuestionViews.Embedding embedding = new QuestionViews.Embedding(rs.getBoolean(7) ? "EMBEDDED" : "PENDING",
                        rs.getString(5), dims, null);
                return java.util.Optional.of(new QuestionViews.Created(rs.getLong(1), rs.getString(2), rs.getString(3), solutions,
                        embedding, rs.getObject(4, OffsetDateTime.class)));
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Cannot read question " + id, e);
        }
    }
}
