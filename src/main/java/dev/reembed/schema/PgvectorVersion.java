package dev.reembed.schema;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pgvector extension version ("0.8.0", "0.10.1") compared numerically, part by part: as strings
 * "0.10.0" would sort before "0.5.0".
 */
public record PgvectorVersion(int[] parts, String text) implements Comparable<PgvectorVersion> {

    // Declared before the constants below, which parse with it during class initialisation.
    private static final Pattern NUMERIC_PREFIX = Pattern.compile("^(\\d+(?:\\.\\d+)*)");

    /** HNSW indexes arrived in 0.5.0. */
    public static final PgvectorVersion MINIMUM = parse("0.5.0");
    /** 0.8.2 fixed a buffer overflow in parallel HNSW index builds. */
    public static final PgvectorVersion PARALLEL_HNSW_FIX = parse("0.8.2");

    private static final SqlTemplate SERIAL_BUILD = SqlTemplate.load("serial_hnsw_build.sql");

    public static PgvectorVersion parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no pgvector version");
        }
        Matcher m = NUMERIC_PREFIX.matcher(text.trim());
        if (!m.find()) {
            throw new IllegalArgumentException("not a pgvector version: " + text);
        }
        int[] parts = Arrays.stream(m.group(1).split("\\.")).mapToInt(Integer::parseInt).toArray();
        return new PgvectorVersion(parts, text.trim());
    }

    @Override
    public int compareTo(PgvectorVersion other) {
        for (int i = 0; i < Math.max(parts.length, other.parts.length); i++) {
            int a = i < parts.length ? parts[i] : 0;
            int b = i < other.parts.length ? other.parts[i] : 0;
            if (a != b) {
                return Integer.compare(a, b);
            }
        }
        return 0;
    }

    public boolean isBefore(PgvectorVersion other) {
        return compareTo(other) < 0;
    }

    /** Whether an HNSW build may use parallel workers: before 0.8.2 they could overflow a buffer. */
    public boolean buildsHnswInParallel() {
        return !isBefore(PARALLEL_HNSW_FIX);
    }

    /** max_parallel_maintenance_workers for an HNSW build that would like {@code wanted}: 0 where that is unsafe. */
    public int hnswBuildWorkers(int wanted) {
        return buildsHnswInParallel() ? wanted : 0;
    }

    /**
     * The same rule in SQL, for a build inside a transaction (V3, the rollback): a statement that
     * sets max_parallel_maintenance_workers to 0 for the rest of the transaction when the installed
     * pgvector is older than {@link #PARALLEL_HNSW_FIX}. No trailing semicolon.
     */
    public static String serialHnswBuildSql() {
        String fix = String.join(", ", Arrays.stream(PARALLEL_HNSW_FIX.parts).mapToObj(Integer::toString).toList());
        return SERIAL_BUILD.render(Map.of("parallel_hnsw_fix", fix));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgvectorVersion v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        int h = 0;
        int last = parts.length;
        while (last > 0 && parts[last - 1] == 0) {
            last--; // 0.5 equals 0.5.0, so trailing zeros must not change the hash
        }
        for (int i = 0; i < last; i++) {
            h = 31 * h + parts[i];
        }
        return h;
    }

    @Override
    public String toString() {
        return text;
    }
}
