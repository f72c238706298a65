package dev.reembed.online;

import java.net.URI;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The online migration over HTTP (docs/api.md, "Online migration"). POSTs need an operator key. */
@Path("/api/migration/online")
@Produces(MediaType.APPLICATION_JSON)
public class OnlineMigrationResource {

    private final OnlineMigrationService service;

    public OnlineMigrationResource(OnlineMigrationService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(OnlineMigrationRequest request) {
        OnlineMigration m = service.start(request);
        return Response.accepted(m).location(URI.create("/api/migration/online")).build();
    }

    @GET
    public OnlineMigration current() {
        return service.current();
    }

    @POST
    @Path("/cutover")
    public OnlineMigration cutover(@QueryParam("force") @DefaultValue("false") boolean force) {
        return service.cutover(force);
    }

    @POST
    @Path("/rollback")
    public OnlineMigration rollback() {
        return service.rollback();
    }

    @POST
    @Path("/finalize")
    public OnlineMigration finalizeMigration() {
        return service.finalizeMigration();
    }
}
