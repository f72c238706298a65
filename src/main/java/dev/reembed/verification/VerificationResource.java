package dev.reembed.verification;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.reembed.common.ProblemException;

/**
 * {@code GET /api/verification?sample=N} (docs/api.md); also {@code drift=k} (re-embed k sampled
 * rows), per-request bounds {@code efSearch}, {@code maxP95Ms}, {@code minRecall}, and {@code column=next}
 * (an online migration's shadow column).
 */
@Path("/api/verification")
@Produces(MediaType.APPLICATION_JSON)
public class VerificationResource {

    private final VerificationService service;

    public VerificationResource(VerificationService service) {
        this.service = service;
    }

    @GET
    public VerificationReport verify(
            @QueryParam("sample") @Min(1) @Max(1000) Integer sample,
            @QueryParam("drift") @DefaultValue("0") @Min(0) @Max(100) int drift,
            @QueryParam("efSearch") @Min(1) @Max(1000) Integer efSearch,
            @QueryParam("maxP95Ms") @Min(0) @Max(600_000) Long maxP95Ms,
            @QueryParam("minRecall") @DecimalMin("0") @DecimalMax("1") Double minRecall,
            @QueryParam("column") String column) {
        boolean shadow;
        if (column == null || column.equals("embedding")) {
            shadow = false;
        } else if (column.equals("next") || column.equals("embedding_next")) {
            shadow = true;
        } else {
            throw ProblemException.badRequest("column must be 'embedding' (the live column, the default) or 'next' (an online "
                    + "migration's shadow column, embedding_next)");
        }
        return service.verify(new VerificationService.Options(sample, drift, efSearch, maxP95Ms, minRecall, shadow));
    }
}
