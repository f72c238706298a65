package dev.reembed.embedding.openai;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.openai.OpenAiDtos.EmbeddingRequest;
import dev.reembed.embedding.openai.OpenAiDtos.EmbeddingResponse;

/**
 * OpenAI's {@code POST /embeddings} (Quarkus REST client, built with
 * {@link dev.reembed.embedding.call.RestClients} from {@link OpenAiConfig}). It answers a
 * RestResponse so the x-ratelimit-* headers of a 200 reach the limiter.
 */
@Path("/embeddings")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface OpenAiClient {

    /** @param authorization {@code Bearer <key>} */
    @POST
    RestResponse<EmbeddingResponse> embeddings(@HeaderParam("Authorization") String authorization,
            EmbeddingRequest request);

    /** Every non-2xx answer becomes a ProviderHttpException with OpenAI's error body and headers. */
    @ClientExceptionMapper
    static RuntimeException toException(Response response) {
        return ProviderHttpException.from(response);
    }
}
