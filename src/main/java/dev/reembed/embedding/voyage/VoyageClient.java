package dev.reembed.embedding.voyage;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.voyage.VoyageDtos.EmbeddingRequest;
import dev.reembed.embedding.voyage.VoyageDtos.EmbeddingResponse;

/**
 * Voyage AI's {@code POST /embeddings} (Quarkus REST client, built with
 * {@link dev.reembed.embedding.call.RestClients} from {@link VoyageConfig}). Voyage documents no
 * rate-limit headers, so the answer's body is all that is read.
 */
@Path("/embeddings")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface VoyageClient {

    /** @param authorization {@code Bearer <key>} */
    @POST
    EmbeddingResponse embeddings(@HeaderParam("Authorization") String authorization, EmbeddingRequest request);

    @ClientExceptionMapper
    static RuntimeException toException(Response response) {
        return ProviderHttpException.from(response);
    }
}
