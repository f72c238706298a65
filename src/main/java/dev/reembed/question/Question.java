package dev.reembed.question;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * A stored question. The embedding's dimension is not declared here: the column's type comes from
 * the Flyway migrations, which take it from {@code reembed.target.dimensions}.
 */
@Entity
@Table(name = "questions")
public class Question extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String title;

    @Column(nullable = false)
    public String content;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", insertable = false, updatable = false)
    public OffsetDateTime updatedAt;

    @Column(name = "deleted_at")
    public OffsetDateTime deletedAt;

    @JdbcTypeCode(SqlTypes.VECTOR)
    @Column(name = "embedding")
    public float[] embedding;

    @Column(name = "embedding_model")
    public String embeddingModel;

    @OneToMany(mappedBy = "question", cascade = CascadeType.ALL, orphanRemoval = true)
    @OrderBy("id")
    public List<Solution> solutions = new ArrayList<>();

    public Solution addSolution(String text) {
        Solution s = new Solution();
        s.question = this;
        s.content = text;
        solutions.add(s);
        return s;
    }
}
