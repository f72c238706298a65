package dev.reembed.migration;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The schema change over HTTP (docs/api.md, "Migration"). */
@Path("/api/migration")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {

    private final MigrationService service;

    public MigrationResource(MigrationService service) {
        this.service = service;
    }

    @GET
    public MigrationStatus status() {
        return service.status();
    }

    @GET
    @Path("/preflight")
    public Preflight preflight() {
        return service.preflight();
    }

    @POST
    @Path("/apply")
    public ApplyResult apply() {
        return service.apply();
    }

    @POST
    @Path("/rollback")
    public RollbackResult rollback() {
        return service.rollback();
    }
}
