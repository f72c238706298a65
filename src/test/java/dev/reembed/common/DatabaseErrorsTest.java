package dev.reembed.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {

    @Test
    void aLostConnectionOrARestartingServerPasses() {
        assertThat(DatabaseErrors.isTransient(new IllegalStateException("Cannot write vectors",
                new SQLException("This connection has been closed.", "08003")))).isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("terminating connection due to administrator command", "57P01")))
                .isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("the database system is starting up", "57P03"))).isTrue();
    }

    @Test
    void aBugOrASchemaProblemDoesNot() {
        assertThat(DatabaseErrors.isTransient(new IllegalStateException("x", new SQLException("column does not exist", "42703"))))
                .isFalse();
        assertThat(DatabaseErrors.isTransient(new IllegalStateException("no SQL at all"))).isFalse();
        assertThat(DatabaseErrors.isTransient(new SQLException("no state"))).isFalse();
    }
}
