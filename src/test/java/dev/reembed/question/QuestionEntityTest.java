package dev.reembed.question;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;

/** The Panache entities against the real schema, the embedding mapped by hibernate-vector. */
@QuarkusTest
class QuestionEntityTest {

    @Inject
    AgroalDataSource dataSource;

    @BeforeEach
    void reset() {
        TestDb.resetQuestions(dataSource);
    }

    @Test
    void aQuestionWithItsVectorAndSolutionsRoundTrips() {
        int dims = TestDb.embeddingDimensions(dataSource);
        float[] vector = new float[dims];
        for (int i = 0; i < dims; i++) {
            vector[i] = (float) Math.sin(i + 1) / 10;
        }
        Long id = QuarkusTransaction.requiringNew().call(() -> {
            Question q = new Question();
            q.title = "How do I rotate a PDF page?";
            q.content = "I need to rotate one page of a PDF by 90 degrees without changing the others.";
            q.embedding = vector;
            q.embeddingModel = "text-embedding-004";
            q.addSolution("Use qpdf --rotate=+90:3 in.pdf out.pdf");
            q.persist();
            return q.id;
        });

        assertThat(TestDb.string(dataSource, "select vector_dims(embedding)::text from questions where id = ?", id))
                .isEqualTo(String.valueOf(dims));
        QuarkusTransaction.requiringNew().run(() -> {
            Question read = Question.findById(id);
            assertThat(read.embedding).containsExactly(vector);
            assertThat(read.embeddingModel).isEqualTo("text-embedding-004");
            assertThat(read.createdAt).isNotNull();
            assertThat(read.solutions).extracting(s -> s.content).containsExactly("Use qpdf --rotate=+90:3 in.pdf out.pdf");
        });
    }

    @Test
    void updatingAQuestionMovesUpdatedAtAndDeletingItRemovesItsSolutions() throws InterruptedException {
        Long id = QuarkusTransaction.requiringNew().call(() -> {
            Question q = new Question();
            q.content = "Why does my build fail on Java 17?";
            q.addSolution("Set maven.compiler.release to 17");
            q.persist();
            return q.id;
        });
        String created = TestDb.string(dataSource, "select updated_at::text from questions where id = ?", id);
        Thread.sleep(5);
        QuarkusTransaction.requiringNew().run(() -> Question.<Question>findById(id).content = "Why does my build fail on Java 21?");
        assertThat(TestDb.string(dataSource, "select updated_at::text from questions where id = ?", id)).isNotEqualTo(created);

        QuarkusTransaction.requiringNew().run(() -> Question.deleteById(id));
        assertThat(TestDb.number(dataSource, "select count(*) from solutions where question_id = ?", id)).isZero();
    }
}
