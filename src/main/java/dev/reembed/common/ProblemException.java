package dev.reembed.common;

import jakarta.ws.rs.core.Response;

/** Thrown by services to answer with a problem+json of the given status. */
public class ProblemException extends RuntimeException {

    private final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail);
        this.problem = problem;
    }

    public ProblemException(Response.Status status, String detail) {
        this(new Problem(status.getStatusCode(), status.getReasonPhrase(), detail));
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Response.Status.NOT_FOUND, detail);
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(Response.Status.CONFLICT, detail);
    }

    public Problem problem() {
        return problem;
    }
}
