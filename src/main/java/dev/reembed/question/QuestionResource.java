package dev.reembed.question;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The application path over HTTP (docs/api.md, "Questions"). */
@Path("/api/questions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class QuestionResource {

    private final QuestionService service;

    public QuestionResource(QuestionService service) {
        this.service = service;
    }

    @POST
    public Response create(@Valid @NotNull QuestionRequests.Create request) {
        QuestionViews.Created created = service.create(request);
        return Response.created(URI.create("/api/questions/" + created.id())).entity(created).build();
    }

    @GET
    @Path("/{id}")
    public QuestionViews.Created get(@PathParam("id") long id) {
        return service.get(id);
    }

    @POST
    @Path("/search")
    public Response search(@Valid @NotNull QuestionRequests.Search request) {
        return matches(service.search(request));
    }

    @POST
    @Path("/duplicates")
    public Response duplicates(@Valid @NotNull QuestionRequests.Duplicates request) {
        return matches(service.duplicates(request));
    }

    /** The body stays the array of matches; which column answered (and how full it is) go in headers. */
    private static Response matches(QuestionService.SearchResult result) {
        var response = Response.ok(result.matches()).header("Reembed-Search-Column", result.column());
        if (result.coverage() != null) {
            response.header("Reembed-Coverage", String.format(java.util.Locale.ROOT, "%.4f", result.coverage()));
        }
        return response.build();
    }
}
