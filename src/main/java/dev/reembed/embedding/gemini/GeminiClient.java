package dev.reembed.embedding.gemini;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

import dev.reembed.embedding.gemini.GeminiDtos.BatchEmbedRequest;
import dev.reembed.embedding.gemini.GeminiDtos.BatchEmbedResponse;
import dev.reembed.embedding.call.ProviderHttpException;

/**
 * The Gemini API's batchEmbedContents (Quarkus REST client, built in {@link GeminiClients} with
 * the base URL and timeouts of {@link GeminiConfig}). The key goes in a header, never in the URL,
 * so it cannot leak through access logs or exception messages that quote the URL.
 */
@Path("/models")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface GeminiClient {

    @POST
    @Path("/{model}:batchEmbedContents")
    BatchEmbedResponse batchEmbedContents(@PathParam("model") String model,
            @HeaderParam("x-goog-api-key") String apiKey, BatchEmbedRequest request);

    /** Every non-2xx answer becomes a ProviderHttpException carrying the google.rpc body. */
    @ClientExceptionMapper
    static RuntimeException toException(Response response) {
        return ProviderHttpException.from(response);
    }
}
