package dev.reembed.migration;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;

/** What V2 leaves in the database: the contract's tables, index, trigger and function. */
@QuarkusTest
class SchemaV2Test {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void historyHoldsV1AndV2() {
        assertThat(TestDb.string(dataSource,
                "select string_agg(version || ':' || success, ',' order by installed_rank) from flyway_schema_history where version in ('1','2')"))
                .isEqualTo("1:true,2:true");
    }

    @Test
    void indexIsHnswWithCosineOps() {
        assertThat(TestDb.string(dataSource, """
                select am.amname || ' ' || opc.opcname || ' ' || i.indisvalid
                from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
                join pg_opclass opc on opc.oid = i.indclass[0]
                where c.relname = 'idx_questions_embedding'"""))
                .isEqualTo("hnsw vector_cosine_ops true");
    }

    @Test
    void functionTakesAVectorOfTheColumnsDimension() {
        int dims = TestDb.embeddingDimensions(dataSource);
        assertThat(TestDb.string(dataSource, """
                select pg_get_function_identity_arguments(p.oid) from pg_proc p
                where p.proname = 'match_questions_with_solutions'"""))
                .isEqualTo("query_embedding vector, match_threshold double precision, match_count integer");
        assertThat(TestDb.string(dataSource, """
                select format_type(p.proargtypes[0], null) from pg_proc p where p.proname = 'match_questions_with_solutions'"""))
                .isEqualTo("vector");
        // the seed's check: the function accepts a NULL of the column's type
        assertThat(TestDb.number(dataSource,
                "select count(*) from match_questions_with_solutions(null::vector(" + dims + "), 0.5, 1)")).isZero();
    }

    @Test
    void solutionsFollowTheirQuestionOnDelete() {
        assertThat(TestDb.string(dataSource, """
                select confdeltype from pg_constraint where conrelid = 'solutions'::regclass and contype = 'f'"""))
                .isEqualTo("c");
    }
}
