package dev.onebase.auth;

import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.RequestScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;

/** Who is calling: the tenant and key the authentication filter established for this request. */
@RequestScoped
public class Caller {

    private static final Logger LOG = Logger.getLogger(Caller.class);


    private UUID tenantId;
    private UUID keyId;
    private Set<String> scopes = Set.of();
    private String plan;

    void authenticate(UUID tenantId, UUID keyId, Set<String> scopes, String plan) {
        this.tenantId = tenantId;
        this.keyId = keyId;
        this.scopes = scopes;
        this.plan = plan;
        MDC.put(RequestIdFilter.MDC_TENANT, tenantId.toString());
        if (LOG.isDebugEnabled()) {
            LOG.debugf("authenticated with key %s", keyId);
        }
    }

    public UUID tenantId() {
        if (tenantId == null) {
            throw ProblemException.unauthorized("Authentication required");
        }
        return tenantId;
    }

    public UUID keyId() {
        return keyId;
    }

    public String plan() {
        return plan;
    }

    public Set<String> scopes() {
        return scopes;
    }
}
