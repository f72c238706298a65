package dev.reembed.backfill;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import com.pgvector.PGvector;

import dev.reembed.common.NamedSql;
import dev.reembed.common.Transactions;
import io.agroal.api.AgroalDataSource;

/**
 * The backfill's hot path: a batch of vectors with its checkpoint and the run's counters, in one
 * transaction (docs/backfill.md, "Writing vectors").
 */
@ApplicationScoped
public class VectorWriter {

    /** A vector for a leased row, with the content hash it was made from. */
    public record VectorWrite(long questionId, float[] vector, String contentHash) {
    }

    public record WriteOutcome(int written, int changedSinceRead) {
    }

    private static final Map<VectorColumn, NamedSql> WRITE = perColumn("""
            with mine as (
                -- Locked and re-checked: a lease that expired and went to another worker since this
                -- statement's snapshot drops out here instead of being counted twice.
                -- LATERAL: one primary-key lookup per staged row. The stage has no statistics, and a
                -- plain join was planned as a scan of every item of the run (350 ms a batch at 100k).
                select s.* from backfill_vector_stage s
                cross join lateral (
                    select 1 from backfill_items i
                    join backfill_runs r on r.id = i.run_id and r.status <> 'CANCELLED'
                    where i.run_id = :run and i.question_id = s.id and i.state = 'LEASED' and i.lease_owner = :owner
                    for update of i
                ) held
            ), written as (
                update questions q set %1$s = mine.vec, %2$s = :model, %3$s = mine.hash, %4$s = now()
                from mine where q.id = mine.id and q.content_hash = mine.hash and q.deleted_at is null
                returning q.id
            ), done as (
                -- The items of mine are locked by this statement: no re-check of the lease needed.
                -- "= any (array(...))": primary-key lookups whatever the planner thinks of the CTEs'
                -- sizes (as joins they were planned as scans of every item of the run).
                update backfill_items i set state = 'DONE', lease_owner = null, lease_expires_at = null, done_by = :owner
                where i.run_id = :run and i.question_id = any (array(select id from written))
                returning i.question_id
            ), stale as (
                update backfill_items i set state = 'PENDING', lease_owner = null, lease_expires_at = null
                where i.run_id = :run and i.question_id = any (array(select id from mine where id not in (select id from written)))
                returning i.question_id
            ), healed as (
                delete from backfill_failures f where f.run_id = :run and f.question_id = any (array(select question_id from done))
            ), counted as (
                update backfill_runs set succeeded = succeeded + (select count(*) from done),
                       input_tokens = input_tokens + :tokens, updated_at = now()
                where id = :run
            )
            select (select count(*) from done), (select count(*) from stale)""");

    private final AgroalDataSource dataSource;

    public VectorWriter(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The one place vectors are written: a batch with its checkpoint and the run's counters, in one
     * transaction. A row is written only while {@code owner} still holds its lease and its text is
     * still the text the vector was made from (optimistic: a row edited since the read stays pending
     * and is embedded again with its new text). The vectors reach the server by binary COPY into a
     * temporary table, the cheapest way in: no text formatting here and no float parsing there
     * (docs/BENCHMARKS.md); one statement then moves them into place.
     */
    public WriteOutcome writeVectors(VectorColumn column, long runId, String owner, String model, List<VectorWrite> writes,
            long inputTokens) {
        return Transactions.inTransaction(dataSource, "Cannot write vectors of run " + runId, c -> {
            stageVectors(c, writes);
            try (var ps = WRITE.get(column).prepare(c)) {
                ps.set("run", runId).set("owner", owner).set("model", model).set("tokens", inputTokens);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new WriteOutcome(rs.getInt(1), rs.getInt(2));
                }
            }
        });
    }

    /** PostgreSQL's binary COPY signature, flags and header-extension length (COPY's "File Formats"). */
    private static final byte[] COPY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};

    /**
     * Puts a batch into this transaction's {@code backfill_vector_stage} (a temporary table, emptied
     * at commit) with {@code COPY FROM STDIN (FORMAT BINARY)}. The framing is written here because
     * PgJDBC has no binary-COPY row writer; the vector encoding is pgvector-java's.
     */
    private static void stageVectors(Connection c, List<VectorWrite> writes) throws SQLException {
        try (var st = c.createStatement()) {
            // synchronous_commit off for this transaction only: it does not wait for its WAL flush.
            // A crash of the database server may lose the last fraction of a second of batches, but
            // vectors and checkpoint together, so those rows are simply embedded again; nothing is
            // half-written. The backfill commits ~1,000 times per 100k rows.
            st.execute("set local synchronous_commit = off; "
                    + "create temporary table if not exists backfill_vector_stage (id bigint, vec vector, hash text) on commit delete rows");
        }
        int dims = writes.isEmpty() ? 0 : writes.get(0).vector().length;
        var bytes = new ByteArrayOutputStream(COPY_HEADER.length + writes.size() * (dims * 4 + 64) + 2);
        try (var out = new DataOutputStream(bytes)) {
            out.write(COPY_HEADER);
            for (VectorWrite w : writes) {
                PGvector vector = new PGvector(w.vector());
                byte[] vec = new byte[vector.lengthInBytes()];
                vector.toBytes(vec, 0);
                byte[] hash = w.contentHash().getBytes(StandardCharsets.UTF_8);
                out.writeShort(3);
                out.writeInt(8);
                out.writeLong(w.questionId());
                out.writeInt(vec.length);
                out.write(vec);
                out.writeInt(hash.length);
                out.write(hash);
            }
            out.writeShort(-1);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not throw
        }
        byte[] data = bytes.toByteArray();
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("copy backfill_vector_stage (id, vec, hash) from stdin (format binary)");
        try {
            copy.writeToCopy(data, 0, data.length);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** One statement per column from a template of {@code %1$s}..{@code %4$s}: vector, model, content hash, embedded at. */
    static Map<VectorColumn, NamedSql> perColumn(String template) {
        Map<VectorColumn, NamedSql> out = new EnumMap<>(VectorColumn.class);
        for (VectorColumn column : VectorColumn.values()) {
            // column names come from the enum, never from input
            out.put(column, NamedSql.of(template.formatted(column.vector, column.model, column.contentHash, column.embeddedAt)));
        }
        return out;
    }
}
