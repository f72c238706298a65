package dev.reembed.embedding;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.reembed.common.ProblemException;

/** The model registry over HTTP. */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    private final ModelRegistry registry;

    public ModelResource(ModelRegistry registry) {
        this.registry = registry;
    }

    @GET
    public List<ModelSpec> list() {
        return registry.all();
    }

    @GET
    @Path("/{id}")
    public ModelSpec get(@PathParam("id") String id) {
        return registry.find(id).orElseThrow(() -> ProblemException.notFound("Unknown embedding model '" + id + "'."));
    }
}
