package dev.reembed.embedding.vertex;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.vertex.VertexDtos.PredictRequest;
import dev.reembed.embedding.vertex.VertexDtos.PredictResponse;

/** Vertex AI publisher-model :predict (Quarkus REST client, built in {@link VertexClients}). */
@Path("/projects/{project}/locations/{location}/publishers/google/models")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface VertexClient {

    @POST
    @Path("/{model}:predict")
    PredictResponse predict(@PathParam("project") String project, @PathParam("location") String location,
            @PathParam("model") String model, @HeaderParam("Authorization") String authorization,
            PredictRequest request);

    @ClientExceptionMapper
    static RuntimeException toException(Response response) {
        return ProviderHttpException.from(response);
    }
}
