package dev.reembed.embedding;

import java.util.Objects;

/** A stored document to embed: its {@code content} and an optional {@code title}. */
public record DocumentText(String title, String content) {

    public DocumentText {
        Objects.requireNonNull(content, "content");
    }

    /** The single text for providers without a title field: "title\n\ncontent", or the content alone. */
    public String titlePrefixed() {
        return title == null || title.isBlank() ? content : title + "\n\n" + content;
    }
}
