package dev.reembed.common;

import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.reembed.embedding.EmbeddingException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException;

/**
 * Turns every error of the HTTP API into {@code application/problem+json}. Hand-written because
 * the quarkiverse resteasy-problem extension on Maven Central (3.21) is built for an older
 * Quarkus core than this project's.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String detail = e.getConstraintViolations().stream()
                .map(v -> lastNode(v.getPropertyPath().toString()) + ": " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return respond(new Problem(400, "Bad Request", detail));
    }

    /** Request validation of REST parameters and bodies (Quarkus' own mapper would answer plain JSON). */
    @ServerExceptionMapper
    public Response invalidRequest(ResteasyReactiveViolationException e) {
        if (e.getConstraintViolations().stream().anyMatch(v -> v.getExecutableReturnValue() != null)) {
            return unexpected(e); // a response that breaks its own constraints is our bug, not the client's
        }
        return invalid(e);
    }

    /** Wrong JSON types and unknown enum values (Quarkus' own mapper would answer plain JSON). */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        return respond(new Problem(400, "Bad Request", (field.isEmpty() ? "" : field + ": ") + e.getOriginalMessage()));
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        // The parser's own message names the field and position; it never holds secrets.
        return respond(new Problem(400, "Bad Request", "Malformed JSON: " + e.getOriginalMessage()));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response r = e.getResponse();
        int status = r.getStatus();
        Response.StatusType type = r.getStatusInfo();
        String detail = e.getMessage();
        if (e.getCause() instanceof JsonProcessingException jpe) {
            status = 400;
            detail = "Malformed JSON: " + jpe.getOriginalMessage();
        }
        return respond(new Problem(status, type.getReasonPhrase(), detail));
    }

    /**
     * An embedding failure no service caught: the texts' fault is a 400; anything else (a missing
     * key, credentials refused, the provider down) a 503 naming the cause and its code. Messages of
     * EmbeddingException never hold keys (ProviderCaller redacts them).
     */
    @ServerExceptionMapper
    public Response embedding(EmbeddingException e) {
        if (e.code().kind() == EmbeddingException.Kind.BAD_INPUT) {
            return respond(new Problem(400, "Bad Request", "The embedding provider refused this text: " + e.getMessage())
                    .with("errorCode", e.code().name()));
        }
        return respond(new Problem(503, "Service Unavailable", "The embedding provider cannot be used: " + e.getMessage())
                .with("errorCode", e.code().name()));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        // Logged in full for operators; the client gets no internals.
        LOG.error("Unexpected error", e);
        return respond(new Problem(500, "Internal Server Error", "An unexpected error occurred; see the service log."));
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static Response respond(Problem p) {
        return Response.status(p.status).type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
