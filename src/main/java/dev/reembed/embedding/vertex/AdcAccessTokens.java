package dev.reembed.embedding.vertex;

import java.io.IOException;
import java.util.List;

import com.google.auth.oauth2.GoogleCredentials;

import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;

/**
 * Google application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth
 * application-default login, or the metadata server), loaded on first use and refreshed before
 * they expire by google-auth-library.
 */
public class AdcAccessTokens implements AccessTokens {

    private static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/cloud-platform");

    private GoogleCredentials credentials;

    @Override
    public synchronized String accessToken() {
        try {
            if (credentials == null) {
                credentials = GoogleCredentials.getApplicationDefault().createScoped(SCOPES);
            }
            credentials.refreshIfExpired();
            return credentials.getAccessToken().getTokenValue();
        } catch (IOException | RuntimeException e) {
            // The library's messages describe where it looked, never a token.
            throw new EmbeddingException(Code.UNAUTHENTICATED,
                    "no usable Google application default credentials: " + e.getMessage(), null, List.of(), null);
        }
    }
}
