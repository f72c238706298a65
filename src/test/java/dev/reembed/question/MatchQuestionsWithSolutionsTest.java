package dev.reembed.question;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;

/** match_questions_with_solutions as the application calls it, at the column's current dimension. */
@QuarkusTest
class MatchQuestionsWithSolutionsTest {

    record Match(long id, String title, double similarity, JsonNode solutions) {
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper json;

    int dims;
    long exact;
    long close;
    long far;
    long orthogonal;
    long deleted;
    long noVector;

    @BeforeEach
    void seed() {
        TestDb.resetQuestions(dataSource);
        dims = TestDb.embeddingDimensions(dataSource);
        exact = insert("exact", TestDb.vectorLiteral(dims, 0, 0), null, "first solution", "second solution");
        close = insert("close", TestDb.vectorLiteral(dims, 0, 0.5), null, "close solution"); // cos 0.894
        far = insert("far", TestDb.vectorLiteral(dims, 0, 1.0), null);                      // cos 0.707
        orthogonal = insert("orthogonal", TestDb.vectorLiteral(dims, 1, 0), null);          // cos 0
        deleted = insert("deleted", TestDb.vectorLiteral(dims, 0, 0), "now()", "gone");
        noVector = insert("no vector", null, null);
    }

    @Test
    void returnsMatchesAboveTheThresholdBestFirst() {
        List<Match> matches = match(0.8, 10);
        assertThat(matches).extracting(Match::id).containsExactly(exact, close);
        assertThat(matches.get(0).similarity()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(matches.get(1).similarity()).isCloseTo(1 / Math.sqrt(1.25), org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void aLowerThresholdLetsWeakerMatchesIn() {
        assertThat(match(0.7, 10)).extracting(Match::id).containsExactly(exact, close, far);
        assertThat(match(-1, 10)).extracting(Match::id).containsExactly(exact, close, far, orthogonal);
    }

    @Test
    void honoursTheCount() {
        assertThat(match(0.0, 2)).extracting(Match::id).containsExactly(exact, close);
        assertThat(match(0.0, 1)).extracting(Match::id).containsExactly(exact);
    }

    @Test
    void neverReturnsSoftDeletedRowsOrRowsWithoutAVector() {
        assertThat(match(-1, 100)).extracting(Match::id).doesNotContain(deleted, noVector);
    }

    @Test
    void returnsEachQuestionWithItsSolutions() {
        List<Match> matches = match(0.8, 10);
        JsonNode solutions = matches.get(0).solutions();
        assertThat(solutions.isArray()).isTrue();
        assertThat(solutions).extracting(s -> s.get("content").asText()).containsExactly("first solution", "second solution");
        assertThat(matches.get(1).solutions()).extracting(s -> s.get("content").asText()).containsExactly("close solution");
        assertThat(match(0.7, 10).get(2).solutions()).isEmpty();
    }

    private long insert(String title, String vector, String deletedAt, String... solutions) {
        try (Connection c = dataSource.getConnection()) {
            long id;
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into questions (title, content, embedding, deleted_at) values (?, ?, ?::vector, "
                            + (deletedAt == null ? "null" : "now()") + ") returning id")) {
                ps.setString(1, title);
                ps.setString(2, "content of " + title);
                ps.setString(3, vector);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            for (String s : solutions) {
                try (PreparedStatement ps = c.prepareStatement("insert into solutions (question_id, content) values (?, ?)")) {
                    ps.setLong(1, id);
                    ps.setString(2, s);
                    ps.executeUpdate();
                }
            }
            return id;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Match> match(double threshold, int count) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select id, title, similarity, solutions from match_questions_with_solutions(?::vector, ?, ?)")) {
            ps.setString(1, TestDb.vectorLiteral(dims, 0, 0));
            ps.setDouble(2, threshold);
            ps.setInt(3, count);
            List<Match> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Match(rs.getLong(1), rs.getString(2), rs.getDouble(3), json.readTree(rs.getString(4))));
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
