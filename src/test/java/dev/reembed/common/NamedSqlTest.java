package dev.reembed.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The :name rewrite, and what must not be mistaken for a parameter. */
class NamedSqlTest {

    @Test
    void everyUseOfANameBecomesAPlaceholder() {
        NamedSql sql = NamedSql.of("update t set a = :to, b = case when :to = 'RUNNING' then 1 end where id = :run");
        assertThat(sql.jdbc()).isEqualTo("update t set a = ?, b = case when ? = 'RUNNING' then 1 end where id = ?");
    }

    @Test
    void castsStringsIdentifiersCommentsAndDollarBodiesAreLeftAlone() {
        String text = """
                select :ids::bigint[], ':not' || "col:umn", $$ :body $$, $tag$ :x $tag$ -- :comment
                /* :block */ from t where a = 'it''s :quoted' and b = :b""";
        assertThat(NamedSql.of(text).jdbc()).isEqualTo("""
                select ?::bigint[], ':not' || "col:umn", $$ :body $$, $tag$ :x $tag$ -- :comment
                /* :block */ from t where a = 'it''s :quoted' and b = ?""");
    }
}
