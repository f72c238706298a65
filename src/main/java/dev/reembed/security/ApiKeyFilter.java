package dev.reembed.security;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.reembed.common.Problem;
import dev.reembed.tenant.TenantRouting;

/**
 * Every {@code /api} call carries {@code Authorization: Bearer <key>}. viewer may read (GET, and the
 * two searches, which are POSTs only to carry a body); everything else, and key management, needs
 * operator. Hand-written rather than Quarkus Security's annotations: the keys are opaque bearer
 * tokens checked against a table, and one rule by method and path is easier to audit than an
 * annotation on each of the resources.
 */
public class ApiKeyFilter {

    static final String CALLER = "reembed.caller";
    private static final Set<String> READ_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    private static final Set<String> READ_POSTS = Set.of("/api/questions/search", "/api/questions/duplicates");

    private final ApiKeyService keys;

    public ApiKeyFilter(ApiKeyService keys) {
        this.keys = keys;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String path = path(request);
        if (!path.startsWith("/api/") && !path.equals("/api")) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(unauthorized("Missing API key: send Authorization: Bearer <key>"));
        }
        Optional<Caller> caller = keys.authenticate(header.substring(7).trim());
        if (caller.isEmpty()) {
            return Optional.of(unauthorized("Invalid, expired or revoked API key"));
        }
        Optional<Duration> wait = keys.spend(caller.get());
        if (wait.isPresent()) {
            long seconds = Math.max(1, (long) Math.ceil(wait.get().toMillis() / 1000.0));
            return Optional.of(Response.status(429).type(Problem.MEDIA_TYPE).header("Retry-After", seconds)
                    .entity(new Problem(429, "Too Many Requests", "Request limit of this API key reached; retry in " + seconds + " s"))
                    .build());
        }
        if (caller.get().role() != Role.OPERATOR && !readOnly(request.getMethod(), path)) {
            return Optional.of(Response.status(403).type(Problem.MEDIA_TYPE)
                    .entity(new Problem(403, "Forbidden", "This action needs an operator key; key "
                            + caller.get().keyPrefix() + " is a " + caller.get().role().wire() + " key"))
                    .build());
        }
        if (caller.get().limited() && TenantRouting.tenantOf(request).isEmpty() && !openToTenantKeys(path)) {
            return Optional.of(path.startsWith("/api/keys")
                    ? Response.status(403).type(Problem.MEDIA_TYPE).entity(new Problem(403, "Forbidden", "Key "
                            + caller.get().keyPrefix() + " is limited to tenants; keys are managed with an unlimited operator key"))
                            .build()
                    : Response.status(404).type(Problem.MEDIA_TYPE).entity(new Problem(404, "Not Found", "Key "
                            + caller.get().keyPrefix() + " is limited to tenants: use /api/tenants/{schema}/…")).build());
        }
        request.setProperty(CALLER, caller.get());
        return Optional.empty();
    }

    /** The caller of a request that passed {@link #authenticate}. */
    public static Caller caller(ContainerRequestContext request) {
        return (Caller) request.getProperty(CALLER);
    }

    /** What a key limited to tenants may call outside its tenants' paths: who it is, the models, its tenants. */
    private static boolean openToTenantKeys(String path) {
        return path.equals("/api/me") || path.startsWith("/api/models") || path.equals("/api/tenants")
                || path.startsWith("/api/tenants/");
    }

    /** The audit log: every operator action (anything but a read), with its outcome. */
    @ServerResponseFilter
    public void audit(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(CALLER) instanceof Caller caller && !readOnly(request.getMethod(), path(request))) {
            String path = path(request);
            keys.audit(caller, request.getMethod() + " " + TenantRouting.originalPath(request, path), target(path),
                    response.getStatus());
        }
    }

    static boolean readOnly(String method, String path) {
        if (path.startsWith("/api/keys")) {
            return false;
        }
        return READ_METHODS.contains(method) || HttpMethod.POST.equals(method) && READ_POSTS.contains(path);
    }

    /** "/api/backfills/7/pause" → "backfills/7". */
    private static String target(String path) {
        String[] parts = path.split("/");
        return parts.length >= 4 ? parts[2] + "/" + parts[3] : parts.length >= 3 ? parts[2] : null;
    }

    private static String path(ContainerRequestContext request) {
        String p = request.getUriInfo().getPath();
        return p.startsWith("/") ? p : "/" + p;
    }

    private static Response unauthorized(String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"reembed\"")
                .entity(new Problem(401, "Unauthorized", detail)).build();
    }
}
