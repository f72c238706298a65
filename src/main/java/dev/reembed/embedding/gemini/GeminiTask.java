package dev.reembed.embedding.gemini;

import dev.reembed.embedding.DocumentText;

/**
 * How a Gemini model is told what a text is for. gemini-embedding-001 and text-embedding-004 take
 * the {@code taskType} field (RETRIEVAL_DOCUMENT with the title, RETRIEVAL_QUERY); gemini-embedding-2
 * takes no task type and no title field: the task is written into the text itself, in Google's
 * asymmetric retrieval format ({@code task: search result | query: …} for queries,
 * {@code title: … | text: …} for documents, "none" without a title).
 */
enum GeminiTask {

    TASK_TYPE,
    PROMPT;

    static final String RETRIEVAL_DOCUMENT = "RETRIEVAL_DOCUMENT";
    static final String RETRIEVAL_QUERY = "RETRIEVAL_QUERY";

    static GeminiTask of(String model) {
        return model.startsWith("gemini-embedding-2") ? PROMPT : TASK_TYPE;
    }

    /** The taskType field, or null when the model takes none. */
    String documentTaskType() {
        return this == TASK_TYPE ? RETRIEVAL_DOCUMENT : null;
    }

    String queryTaskType() {
        return this == TASK_TYPE ? RETRIEVAL_QUERY : null;
    }

    /** The title field, or null (no title, or a model that has no such field). */
    String titleField(DocumentText d) {
        return this == TASK_TYPE && hasTitle(d) ? d.title() : null;
    }

    String documentText(DocumentText d) {
        return this == TASK_TYPE ? d.content() : "title: " + (hasTitle(d) ? d.title() : "none") + " | text: " + d.content();
    }

    String queryText(String query) {
        return this == TASK_TYPE ? query : "task: search result | query: " + query;
    }

    private static boolean hasTitle(DocumentText d) {
        return d.title() != null && !d.title().isBlank();
    }
}
