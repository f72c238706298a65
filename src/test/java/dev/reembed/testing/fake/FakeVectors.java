package dev.reembed.testing.fake;

import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The vectors every fake answers with, deterministic in the text: texts sharing words are near
 * each other, as with a real model, so a search for a paraphrase finds its question first and a
 * recall@10 means something. Not unit length: the service must normalise what it is given.
 */
public final class FakeVectors {

    private FakeVectors() {
    }

    /**
     * Σ over words of 16 seeded ±1 entries, plus Gaussian noise of 0.05 per dimension seeded by
     * {@code variant} (e.g. the task type and the text), so that texts of the same words have a
     * cosine of about 0.8.
     */
    public static float[] of(String text, int dimensions, String variant) {
        double[] v = new double[dimensions];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (word.isEmpty()) {
                continue;
            }
            SplittableRandom w = new SplittableRandom(word.hashCode());
            for (int k = 0; k < 16; k++) {
                v[w.nextInt(dimensions)] += w.nextBoolean() ? 1 : -1;
            }
        }
        Random noise = new Random((variant + "|" + text).hashCode());
        float[] out = new float[dimensions];
        for (int d = 0; d < dimensions; d++) {
            out[d] = (float) (0.2 * v[d] + noise.nextGaussian() * 0.05);
        }
        return out;
    }

    /** The same vector scaled to unit length, for vendors that return normalised vectors. */
    public static float[] unit(String text, int dimensions, String variant) {
        float[] v = of(text, dimensions, variant);
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
        return v;
    }
}
