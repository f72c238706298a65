package dev.reembed.security;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.reembed.common.SqlIdentifier;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Key management (operators) and {@code GET /api/me} (any key). */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    @RegisterForReflection
    public record CreateKey(@NotBlank @Size(max = 100) String name,
            @NotNull @Pattern(regexp = "viewer|operator", message = "must be viewer or operator") String role,
            @Min(1) @Max(3650) Integer expiresInDays,
            /** Limits the key to these tenants' stores (docs/tenants.md); absent: not limited. */
            @Size(min = 1, max = 1000) List<@NotNull @Pattern(regexp = SqlIdentifier.REGEX,
                    message = "must be a tenant's schema name (lower-case identifier)") String> tenants) {
    }

    @RegisterForReflection
    public record Me(String keyPrefix, String name, String role) {
    }

    private final ApiKeyService keys;

    public ApiKeyResource(ApiKeyService keys) {
        this.keys = keys;
    }

    @GET
    @Path("/me")
    public Me me(@Context ContainerRequestContext request) {
        Caller c = caller(request);
        return new Me(c.keyPrefix(), c.name(), c.role().wire());
    }

    @GET
    @Path("/keys")
    public List<ApiKeyRepository.ApiKey> list() {
        return keys.list();
    }

    /** 201 with the key's secret, shown this once. */
    @POST
    @Path("/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@Valid @NotNull CreateKey body, @Context ContainerRequestContext request) {
        ApiKeyService.NewKey key = keys.create(body.name(), Role.fromWire(body.role()), body.expiresInDays(),
                body.tenants() == null ? null : body.tenants().stream().distinct().toList(), caller(request));
        return Response.created(URI.create("/api/keys/" + key.id())).entity(key).build();
    }

    @POST
    @Path("/keys/{id}/revoke")
    public Response revoke(@PathParam("id") long id, @Context ContainerRequestContext request) {
        keys.revoke(id, caller(request));
        return Response.noContent().build();
    }

    private static Caller caller(ContainerRequestContext request) {
        return (Caller) request.getProperty(ApiKeyFilter.CALLER);
    }
}
