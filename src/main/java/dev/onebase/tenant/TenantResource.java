package dev.onebase.tenant;


import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.auth.ApiKeys;
import dev.onebase.auth.Caller;
import dev.onebase.tenant.TenantRecords.SignupRequest;
import dev.onebase.tenant.TenantRecords.TenantUpdate;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/** A tenant's own API: sign up and its settings (its keys: auth/ApiKeyResource). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class TenantResource {

    private final TenantService tenants;
    private final Caller caller;
    private final boolean signupEnabled;
    private final TenantExports exports;

    public TenantResource(TenantService tenants, Caller caller,
            @ConfigProperty(name = "onebase.signup.enabled", defaultValue = "true") boolean signupEnabled,
            TenantExports exports) {
        this.tenants = tenants;
        this.caller = caller;
        this.signupEnabled = signupEnabled;
        this.exports = exports;
    }

    /** Self-service sign-up on the free plan; the API key in the answer is shown only this once. */
    @POST
    @Path("/signup")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> signup(SignupRequest request) {
        if (!signupEnabled) {
            throw ProblemException.forbidden("Self-service sign-up is disabled; ask an administrator");
        }
        SignupRequest r = required(request);
        if (r.plan() != null && !"free".equals(r.plan())) {
            throw ProblemException.forbidden("Sign-up is on the free plan; an administrator changes plans");
        }
        return tenants.provision(r.slug(), r.name(), "free").map(p -> Response.status(201).entity(p).build());
    }

    @GET
    @Path("/tenant")
    public Uni<TenantView> get() {
        return tenants.get(caller.tenantId());
    }

    @PATCH
    @Path("/tenant")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<TenantView> update(TenantUpdate update) {
        TenantUpdate u = required(update);
        return tenants.update(caller.tenantId(), u.name(), u.settings());
    }

    /** The caller's whole data as a tar archive (docs/tenants.md); a key with the manage scope only. */
    @GET
    @Path("/tenant/export")
    @Produces({ "application/x-tar", MediaType.APPLICATION_JSON })
    public Response export() {
        if (!caller.scopes().contains(ApiKeys.SCOPE_MANAGE)) {
            throw ProblemException.forbidden("Exporting the tenant needs a key with the manage scope");
        }
        return exports.export(caller.tenantId());
    }

    public static <T> T required(T body) {
        if (body == null) {
            throw ProblemException.badRequest("A JSON body is required");
        }
        return body;
    }

}
