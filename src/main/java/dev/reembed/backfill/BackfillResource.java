package dev.reembed.backfill;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestStreamElementType;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;

/** Backfill runs over HTTP (docs/api.md, "Backfills"). */
@Path("/api/backfills")
@Produces(MediaType.APPLICATION_JSON)
public class BackfillResource {

    private final BackfillService service;
    private final RunHistory history;

    public BackfillResource(BackfillService service, RunHistory history) {
        this.service = service;
        this.history = history;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(@Valid BackfillRequest request) {
        Run run = service.start(request, "api");
        return Response.accepted(run).location(URI.create("/api/backfills/" + run.id())).tag(etag(run)).build();
    }

    @GET
    public List<Run> list() {
        return service.list();
    }

    /** Rows in scope, tokens, price and duration at the configured quota, before a run. */
    @GET
    @Path("/estimate")
    public Estimate estimate(@QueryParam("scope") Scope scope, @QueryParam("batchSize") @Min(1) @Max(1000) Integer batchSize) {
        return service.estimate(scope, batchSize);
    }

    /** With an ETag: a poll whose {@code If-None-Match} still matches costs a 304. */
    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") long id, @Context Request request) {
        Run run = service.get(id);
        EntityTag tag = etag(run);
        Response.ResponseBuilder unchanged = request.evaluatePreconditions(tag);
        return unchanged != null ? unchanged.build() : Response.ok(run).tag(tag).build();
    }

    /** Server-Sent Events: the run whenever it changes (checked every second), ending after it finishes. */
    @GET
    @Blocking // reads the run before the stream opens
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Run> events(@PathParam("id") long id) {
        service.get(id); // 404 before the stream opens
        AtomicBoolean ended = new AtomicBoolean();
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(10)).every(Duration.ofSeconds(1))
                .onOverflow().drop()
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(tick -> service.get(id))
                // ends after the first finished state has gone out (so before de-duplication, which would hide it)
                .select().first(run -> !ended.getAndSet(!run.status().active()))
                .skip().repetitions();
    }

    @POST
    @Path("/{id}/pause")
    public Run pause(@PathParam("id") long id) {
        return service.pause(id);
    }

    @POST
    @Path("/{id}/resume")
    public Run resume(@PathParam("id") long id) {
        return service.resume(id);
    }

    @POST
    @Path("/{id}/cancel")
    public Run cancel(@PathParam("id") long id) {
        return service.cancel(id);
    }

    @GET
    @Path("/{id}/failures")
    public FailurePage failures(@PathParam("id") long id,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(1000) int limit,
            @QueryParam("after") @DefaultValue("0") @Min(0) long after) {
        return service.failures(id, limit, after);
    }

    /** Per minute, ascending; minutes without activity are left out (docs/api.md). */
    @GET
    @Path("/{id}/history")
    public List<HistoryMinute> history(@PathParam("id") long id) {
        return history.minutes(id);
    }

    @POST
    @Path("/{id}/failures/retry")
    public Response retry(@PathParam("id") long id) {
        Run run = service.retryFailures(id);
        return Response.accepted(run).location(URI.create("/api/backfills/" + run.id())).build();
    }

    /** A strong tag of everything the Run shows: equal tags, equal bodies. */
    static EntityTag etag(Run run) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(run.toString().getBytes(StandardCharsets.UTF_8));
            return new EntityTag(HexFormat.of().formatHex(digest, 0, 12));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
