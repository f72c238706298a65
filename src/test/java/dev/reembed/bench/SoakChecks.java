package dev.reembed.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.reembed.embedding.gemini.FakeGeminiApi;

/**
 * What a finished soak run left: rows lost, rows whose vector is not that of their current text,
 * and texts embedded more than once. The vector check asks a fresh fake (its vectors are a
 * deterministic function of task type, title and text) for the vector of every row's current text
 * and compares it, L2-normalised as the service stores it, with the stored one.
 */
final class SoakChecks {

    /** float32 rounding of a unit vector's components: far below the distance between two texts' vectors. */
    private static final double TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Findings(long inScope, long withoutVector, long itemsNotDone, long hashStale, long vectorStale, long vectorsChecked,
            long textsEmbeddedTwice, long extraEmbeddings, long vectorsAnswered, long vectorsRead, long distinctTexts,
            long supersededTexts, long currentTextsNeverEmbedded, double staleDelta, Map<Integer, Long> errors) {

        /** Rows lost: in scope at the end but without a vector, or the run's item not DONE. */
        long lost() {
            return Math.max(withoutVector, itemsNotDone);
        }

        List<String> describe(String label) {
            return List.of(
                    String.format(Locale.ROOT, "%s: rows in scope %d; without a vector %d; run items not DONE %d -> rows lost %d", label,
                            inScope, withoutVector, itemsNotDone, lost()),
                    String.format(Locale.ROOT, "%s: stale rows: embedding_content_hash <> content_hash %d; vector <> the fake's vector "
                            + "of the current text %d of %d checked (tolerance %.0e; the check is sharp: an edited row's vector vs its "
                            + "original text's differs by %s)", label, hashStale, vectorStale, vectorsChecked, TOLERANCE,
                            Double.isNaN(staleDelta) ? "n/a (no edits)" : String.format(Locale.ROOT, "%.3f", staleDelta)),
                    String.format(Locale.ROOT, "%s: texts embedded more than once %d (%d extra embeddings read by the service); "
                            + "vectors answered %d, read %d (answers the fake could not deliver, the caller gone: %d); distinct texts embedded %d, "
                            + "of which superseded by an edit %d; current texts never embedded %d", label, textsEmbeddedTwice,
                            extraEmbeddings, vectorsAnswered, vectorsRead, vectorsAnswered - vectorsRead, distinctTexts,
                            supersededTexts, currentTextsNeverEmbedded),
                    label + ": fake error answers by HTTP status " + errors);
        }
    }

    private SoakChecks() {
    }

    static Findings check(SoakDatabase db, long runId, FakeGeminiApi fake, String model, int dimensions) throws Exception {
        Map<String, Integer> embedded = fake.embeddedTexts();
        long inScope = db.number("select count(*) from questions where deleted_at is null");
        long withoutVector = db.number("select count(*) from questions where deleted_at is null and embedding is null");
        long notDone = db.number("select count(*) from questions q where deleted_at is null and not exists (select 1 "
                + "from backfill_items i where i.run_id = ? and i.question_id = q.id and i.state = 'DONE')", runId);
        long hashStale = db.number("select count(*) from questions where deleted_at is null "
                + "and embedding_content_hash is distinct from content_hash");
        long vectorStale = 0;
        long checked = 0;
        double staleDelta = Double.NaN;
        Set<String> current = new HashSet<>();
        try (FakeGeminiApi verifier = new FakeGeminiApi().recording(false);
                Connection c = db.connect()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            c.setAutoCommit(false); // a cursor: 20k × 1536 floats are not read at once
            try (PreparedStatement ps = c.prepareStatement("select title, content, embedding::real[] from questions "
                    + "where deleted_at is null order by id")) {
                ps.setFetchSize(200);
                try (ResultSet rs = ps.executeQuery()) {
                    List<String[]> texts = new ArrayList<>();
                    List<float[]> stored = new ArrayList<>();
                    boolean more = true;
                    while (more) {
                        more = rs.next();
                        if (more) {
                            current.add(rs.getString(2));
                            Array a = rs.getArray(3);
                            if (a == null) {
                                continue; // counted in withoutVector
                            }
                            Float[] boxed = (Float[]) a.getArray();
                            float[] v = new float[boxed.length];
                            for (int i = 0; i < v.length; i++) {
                                v[i] = boxed[i];
                            }
                            texts.add(new String[] {rs.getString(1), rs.getString(2)});
                            stored.add(v);
                        }
                        if (texts.size() == 100 || (!more && !texts.isEmpty())) {
                            List<double[]> expected = vectors(http, verifier, model, dimensions, texts);
                            for (int i = 0; i < texts.size(); i++) {
                                checked++;
                                if (maxDelta(expected.get(i), stored.get(i)) > TOLERANCE) {
                                    vectorStale++;
                                }
                                int mark = texts.get(i)[1].indexOf(" Edited ");
                                if (Double.isNaN(staleDelta) && mark > 0) {
                                    String[] original = {texts.get(i)[0], texts.get(i)[1].substring(0, mark)};
                                    staleDelta = maxDelta(vectors(http, verifier, model, dimensions, java.util.Collections.singletonList(original)).get(0),
                                            stored.get(i));
                                }
                            }
                            texts.clear();
                            stored.clear();
                        }
                    }
                }
            }
            c.rollback();
        }
        long twice = embedded.values().stream().filter(n -> n > 1).count();
        long extra = embedded.values().stream().mapToLong(n -> Math.max(0, n - 1)).sum();
        long read = embedded.values().stream().mapToLong(Integer::longValue).sum();
        long superseded = embedded.keySet().stream().filter(t -> !current.contains(t)).count();
        long neverEmbedded = current.stream().filter(t -> !embedded.containsKey(t)).count();
        return new Findings(inScope, withoutVector, notDone, hashStale, vectorStale, checked, twice, extra, fake.vectorsAnswered(), read,
                embedded.size(), superseded, neverEmbedded, staleDelta, fake.errorsServed());
    }

    /** The vectors the fake gives these (title, content) pairs, as the service asks for them, L2-normalised. */
    private static List<double[]> vectors(HttpClient http, FakeGeminiApi verifier, String model, int dimensions, List<String[]> texts)
            throws Exception {
        ArrayNode requests = JSON.createArrayNode();
        for (String[] t : texts) {
            ObjectNode item = requests.addObject().put("model", "models/" + model);
            item.putObject("content").putArray("parts").addObject().put("text", t[1]);
            item.put("taskType", "RETRIEVAL_DOCUMENT").put("title", t[0]).put("outputDimensionality", dimensions);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("requests", requests);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(verifier.baseUrl() + "/models/" + model + ":batchEmbedContents"))
                .header("x-goog-api-key", FakeGeminiApi.KEY).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("verifier: " + r.statusCode() + " " + r.body());
        }
        List<double[]> out = new ArrayList<>();
        for (JsonNode e : JSON.readTree(r.body()).path("embeddings")) {
            double[] v = new double[e.path("values").size()];
            double norm = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) e.path("values").get(i).asDouble(); // float32 on the wire, as the service reads it
                norm += v[i] * v[i];
            }
            for (int i = 0; i < v.length; i++) {
                v[i] /= Math.sqrt(norm);
            }
            out.add(v);
        }
        return out;
    }

    private static double maxDelta(double[] expected, float[] stored) {
        if (expected.length != stored.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < stored.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - stored[i]));
        }
        return max;
    }
}
