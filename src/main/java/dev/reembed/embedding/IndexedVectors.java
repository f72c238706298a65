package dev.reembed.embedding;

import java.util.List;

import dev.reembed.embedding.EmbeddingException.Code;

/**
 * Answers whose vectors say which input they belong to ({@code data[].index} of OpenAI and Voyage):
 * the contract is the index, not the array order, so vectors are put back in input order by it.
 * Any mismatch (count, an index missing, out of range or twice, wrong dimension, unusable values)
 * rejects the whole answer, so nothing of it is stored.
 */
public final class IndexedVectors {

    private IndexedVectors() {
    }

    /** One vector of an answer and the input position it claims. */
    public record Item(Integer index, float[] vector) {
    }

    /**
     * @param what        for messages, e.g. "OpenAI embeddings (text-embedding-3-small, items 0-99)"
     * @param expected    inputs sent in the request
     * @param itemIndexes the request's items in the caller's call, attached to a failure
     * @return unit vectors in input order
     */
    public static List<float[]> inInputOrder(String what, List<Item> items, int expected, int dimensions,
            List<Integer> itemIndexes) {
        List<Item> got = items == null ? List.of() : items;
        if (got.size() != expected) {
            throw bad(what + " returned " + got.size() + " embeddings for " + expected + " inputs", itemIndexes);
        }
        float[][] out = new float[expected][];
        for (Item item : got) {
            Integer index = item == null ? null : item.index();
            if (index == null || index < 0 || index >= expected) {
                throw bad(what + " returned an embedding with index " + index + " for " + expected + " inputs",
                        itemIndexes);
            }
            if (out[index] != null) {
                throw bad(what + " returned two embeddings for index " + index, itemIndexes);
            }
            float[] v = item.vector() == null ? new float[0] : item.vector();
            if (v.length != dimensions) {
                throw bad(what + " returned a " + v.length + "-dimensional vector; " + dimensions + " were asked for",
                        itemIndexes);
            }
            try {
                out[index] = Vectors.normalised(v, dimensions);
            } catch (EmbeddingException e) {
                throw bad(what + ": " + e.getMessage(), itemIndexes);
            }
        }
        return List.of(out);
    }

    private static EmbeddingException bad(String message, List<Integer> itemIndexes) {
        return new EmbeddingException(Code.BAD_RESPONSE, message, null, itemIndexes, null);
    }
}
