package dev.reembed.tenant;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import dev.reembed.backfill.BackfillRequest;
import dev.reembed.security.ApiKeyFilter;
import dev.reembed.security.Caller;

/**
 * The tenants ({@code reembed.tenancy.enabled}): their overview, and the two calls that act on every
 * active tenant at once. Each tenant's own API is {@code /api/tenants/{schema}/…} ({@link TenantRouting}).
 */
@Path("/api/tenants")
@Produces(MediaType.APPLICATION_JSON)
public class TenantResource {

    /** Paths under /api/tenants that are not a tenant's: no tenant may have these schema names. */
    static final Set<String> CROSS_TENANT = Set.of("migration", "backfills");

    private final TenantOverviewService overview;

    public TenantResource(TenantOverviewService overview) {
        this.overview = overview;
    }

    /** The tenants the caller's key reaches (every one for a key not limited to tenants). */
    @GET
    public List<TenantOverview> list(@Context ContainerRequestContext request) {
        return overview.list(reach(request));
    }

    /** Applies the schema change in every served tenant, each in its own transaction; one failing stops none of the others. */
    @POST
    @Path("/migration/apply")
    public List<TenantOutcome> applyAll(@Context ContainerRequestContext request) {
        return overview.applyAll(reach(request));
    }

    /** Starts a backfill run in every served tenant with the same request (each tenant's own target by default). */
    @POST
    @Path("/backfills")
    @Consumes(MediaType.APPLICATION_JSON)
    public List<TenantOutcome> backfillAll(@Valid BackfillRequest body, @Context ContainerRequestContext request) {
        return overview.backfillAll(body == null ? new BackfillRequest(null, null, null, null, null, null) : body, reach(request));
    }

    private static Predicate<String> reach(ContainerRequestContext request) {
        Caller caller = ApiKeyFilter.caller(request);
        return caller == null ? schema -> true : caller::mayUse;
    }
}
