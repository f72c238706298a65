package dev.reembed.embedding.vertex;

/** Supplies a current OAuth access token for Vertex AI. */
@FunctionalInterface
public interface AccessTokens {

    String accessToken();
}
