package dev.onebase.tenant;


import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

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
    @Operation(summary = "Sign up", description = "Creates a tenant on the free plan with its first API key. The answer holds the key's secret, shown only this once. Needs no credential.")
    @APIResponse(responseCode = "201", description = "the tenant and its first API key, with the secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantRecords.Provisioned.class)))
    @APIResponse(responseCode = "403", description = "a plan other than free was asked for")
    @APIResponse(responseCode = "409", description = "the slug is taken")
    @APIResponse(responseCode = "422", description = "a bad slug (2-63 of a-z, 0-9, -) or name (1-200 characters)")
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
    @Operation(summary = "Your tenant", description = "Your tenant, its plan and the plan's limits. Read scope.")
    public Uni<TenantView> get() {
        return tenants.get(caller.tenantId());
    }

    @PATCH
    @Path("/tenant")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change your tenant", description = "Changes the name and merges settings (top-level keys; null removes one; 16 KiB of JSON at most). Manage scope.")
    @APIResponse(responseCode = "200", description = "your tenant, changed", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "422", description = "a bad name, or settings over 16 KiB")
    public Uni<TenantView> update(TenantUpdate update) {
        TenantUpdate u = required(update);
        return tenants.update(caller.tenantId(), u.name(), u.settings());
    }

    /** The caller's whole data as a tar archive (docs/tenants.md); a key with the manage scope only. */
    @GET
    @Path("/tenant/export")
    @Produces({ "application/x-tar", MediaType.APPLICATION_JSON })
    @Operation(summary = "Export your tenant", description = "Your whole data from one consistent snapshot as a tar archive: NDJSON per table, large objects, a manifest with counts and SHA-256 of every member. Secrets are left out (docs/tenants.md). Manage scope.")
    @APIResponse(responseCode = "200", description = "the archive, streamed", content = @Content(mediaType = "application/x-tar", schema = @Schema(type = SchemaType.STRING, format = "binary"), example = "(a tar archive: onebase-export.json, tables/*.ndjson, large-objects/*, manifest.json)"))
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
