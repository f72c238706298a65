package dev.reembed.tenant;

import jakarta.enterprise.context.RequestScoped;

/** The tenant of one HTTP request, set by {@link TenantRouting} from its path; null for the service's own store. */
@RequestScoped
public class TenantRequest {

    private String schema;

    public String schema() {
        return schema;
    }

    void schema(String schema) {
        this.schema = schema;
    }
}
