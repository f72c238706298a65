package dev.reembed.tenant;

import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.security.ApiKeyFilter;
import dev.reembed.security.Caller;

/**
 * {@code /api/tenants/{schema}/<feature>/…} is {@code /api/<feature>/…} in that tenant's store: the
 * path is rewritten before matching, so every resource serves tenants unchanged, and the request's
 * {@link TenantRequest} makes its connections use the tenant's schema. The tenant is checked after
 * authentication (a tenant-limited key sees only its own), off the event loop.
 */
public class TenantRouting {

    /** Per-tenant features; the rest of the API (keys, models, the online migration) is the service's. */
    static final Set<String> FEATURES = Set.of("migration", "backfills", "verification", "questions");
    static final String TENANT = "reembed.tenant";
    private static final String ORIGINAL_PATH = "reembed.tenant.path";
    private static final Pattern TENANT_PATH = Pattern.compile("/api/tenants/([^/]+)/([^/]+)(/.*)?");

    private final TenantRequest tenantRequest;
    private final TenantService tenants;

    public TenantRouting(TenantRequest tenantRequest, TenantService tenants) {
        this.tenantRequest = tenantRequest;
        this.tenants = tenants;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> route(ContainerRequestContext request) {
        String path = request.getUriInfo().getRequestUri().getRawPath();
        Matcher m = TENANT_PATH.matcher(path);
        if (!m.matches() || TenantResource.CROSS_TENANT.contains(m.group(1))) {
            return Optional.empty();
        }
        String schema = m.group(1);
        if (!tenants.enabled()) {
            return Optional.of(problem(404, "Tenancy is off: set reembed.tenancy.enabled=true to serve the schemas of companies"));
        }
        if (TenantNames.problem(schema).isPresent()) {
            return Optional.of(problem(404, "No active tenant has the schema '" + TenantService.printable(schema)
                    + "' (GET /api/tenants lists them)"));
        }
        if (!FEATURES.contains(m.group(2))) {
            return Optional.of(problem(404, "/api/" + TenantService.printable(m.group(2)) + " is not offered per tenant; per tenant: "
                    + String.join(", ", FEATURES.stream().sorted().toList())));
        }
        URI uri = request.getUriInfo().getRequestUri();
        String rest = "/api/" + m.group(2) + (m.group(3) == null ? "" : m.group(3));
        request.setRequestUri(UriBuilder.fromUri(uri).replacePath(rest).build());
        request.setProperty(TENANT, schema);
        request.setProperty(ORIGINAL_PATH, path);
        tenantRequest.schema(schema);
        return Optional.empty();
    }

    /** After the key is known: the tenant must exist, be served and be migrated (else 404 / 409). */
    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public Optional<Response> requireTenant(ContainerRequestContext request) {
        if (!(request.getProperty(TENANT) instanceof String schema)) {
            return Optional.empty();
        }
        Caller caller = ApiKeyFilter.caller(request);
        if (caller != null && !caller.mayUse(schema)) {
            // the same answer as for a tenant that does not exist: a key learns nothing of the others
            return Optional.of(problem(404, "No active tenant has the schema '" + schema + "' (GET /api/tenants lists them)"));
        }
        try {
            tenants.require(schema);
            return Optional.empty();
        } catch (ProblemException e) {
            return Optional.of(Response.status(e.problem().status).type(Problem.MEDIA_TYPE).entity(e.problem()).build());
        }
    }

    /** A Location the resource wrote as /api/… points into the tenant. */
    @ServerResponseFilter
    public void tenantLocation(ContainerRequestContext request, ContainerResponseContext response) {
        String location = response.getHeaderString(HttpHeaders.LOCATION);
        if (request.getProperty(TENANT) instanceof String schema && location != null) {
            String p = URI.create(location).getPath();
            if (p != null && p.startsWith("/api/")) {
                response.getHeaders().putSingle(HttpHeaders.LOCATION, "/api/tenants/" + schema + p.substring(4));
            }
        }
    }

    /** The tenant of a request under /api/tenants/{schema}/, once routed. */
    public static Optional<String> tenantOf(ContainerRequestContext request) {
        return request.getProperty(TENANT) instanceof String schema ? Optional.of(schema) : Optional.empty();
    }

    /** The path as the caller sent it: /api/tenants/{schema}/… for a tenant's request. */
    public static String originalPath(ContainerRequestContext request, String rewritten) {
        return request.getProperty(ORIGINAL_PATH) instanceof String p ? p : rewritten;
    }

    private static Response problem(int status, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new Problem(status, status == 404 ? "Not Found" : "Conflict", detail)).build();
    }
}
