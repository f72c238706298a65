package dev.reembed.embedding;

import java.util.List;

/** Checks and L2-normalises provider output: only Google's 3072-d output comes normalised. */
public final class Vectors {

    private Vectors() {
    }

    /**
     * A unit-length copy of {@code v}, after checking it has {@code dimensions} finite values and is
     * not all zeros. Accumulates in double so ‖result‖ = 1 within float rounding.
     */
    public static float[] normalised(float[] v, int dimensions) {
        if (v == null || v.length != dimensions) {
            throw new EmbeddingException(EmbeddingException.Code.BAD_RESPONSE, "expected a " + dimensions
                    + "-dimensional vector, got " + (v == null ? "none" : v.length + " dimensions"));
        }
        double sum = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new EmbeddingException(EmbeddingException.Code.BAD_RESPONSE, "vector contains a non-finite value");
            }
            sum += (double) x * x;
        }
        if (sum == 0) {
            throw new EmbeddingException(EmbeddingException.Code.BAD_RESPONSE, "vector is all zeros");
        }
        double norm = Math.sqrt(sum);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    public static float[] toArray(List<? extends Number> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    public static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** Cosine similarity; for unit vectors the dot product. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    /** pgvector's text form, {@code [0.1,0.2,...]}; Float.toString round-trips every value exactly. */
    public static String literal(float[] v) {
        StringBuilder sb = new StringBuilder(v.length * 12).append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(v[i]);
        }
        return sb.append(']').toString();
    }

    /** The inverse of {@link #literal}. */
    public static float[] parse(String literal) {
        String body = literal.substring(1, literal.length() - 1);
        if (body.isEmpty()) {
            return new float[0];
        }
        String[] parts = body.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }
}
