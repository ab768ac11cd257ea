package dev.onebase.tenant;

import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;

import jakarta.enterprise.inject.Instance;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.tenant.TenantRecords.Page;
import dev.onebase.tenant.TenantRecords.PlanChange;
import dev.onebase.tenant.TenantRecords.SignupRequest;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.web.Ids;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The operator's view of tenants, behind the admin credential. */
@Path("/admin/tenants")
@Produces(MediaType.APPLICATION_JSON)
public class AdminTenantResource {

    private final TenantService tenants;
    private final TenantExports exports;
    private final Instance<TenantRestorer> restorer;

    private final TenantPlacement placement;

    public AdminTenantResource(TenantService tenants, TenantExports exports, Instance<TenantRestorer> restorer, TenantPlacement placement) {
        this.tenants = tenants;
        this.exports = exports;
        this.restorer = restorer;
        this.placement = placement;
    }

    @GET
    @Path("/{id}/placement")
    @Operation(summary = "Get a tenant's placement", description = "shared (the shared tables) or schema (a schema of its own, named), any problem that keeps a dedicated schema from being served, and the last move: its phase, rows moved per table, copyMs (the batched copy, the tenant reading and writing), notedRows (rows the tenant changed during the copy, copied again in the final step), attempts (how many times the final step asked for the tenant's lock; it gives up after 3) and pauseMs (the final step's write pause).")
    @APIResponse(responseCode = "200", description = "the placement", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantPlacement.PlacementView.class)))
    @APIResponse(responseCode = "404", description = "no such tenant")
    public Uni<TenantPlacement.PlacementView> placement(@PathParam("id") String id) {
        return placement.view(Ids.parse(id));
    }

    /** 202: the move runs in the background; poll {@code GET /admin/tenants/{id}/placement} (docs/tenants.md#placement). */
    @POST
    @Path("/{id}/placement")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Move a tenant to another placement", description = "Promotes the tenant to a schema of its own (placement=schema) or demotes it back to the shared tables (placement=shared), online: its rows are copied in batches while it reads and writes, then its writes pause for a short final step (tried again up to 3 times when the tenant's lock is not granted within 10 s); an interrupted move leaves it wholly where it was. Refused while a purge of the tenant runs. Poll GET /admin/tenants/{id}/placement.")
    @APIResponse(responseCode = "202", description = "started: the move's record", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantPlacement.PlacementMove.class)))
    @APIResponse(responseCode = "404", description = "no such tenant")
    @APIResponse(responseCode = "409", description = "already there, a move or a purge of the tenant is running, or its schema cannot be brought to the shared tables' shape")
    @APIResponse(responseCode = "422", description = "placement is not schema or shared")
    public Uni<Response> move(@PathParam("id") String id, TenantPlacement.PlacementChange change) {
        if (change == null || change.placement() == null) {
            throw ProblemException.unprocessable("placement is required: schema or shared");
        }
        return placement.start(Ids.parse(id), change.placement()).map(m -> Response.accepted(m).build());
    }

    @GET
    @Operation(summary = "List tenants", description = "Every tenant by slug, a page at a time; next is the after of the next page. Filter by status.")
    public Uni<Page<TenantView>> list(@QueryParam("status") String status, @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return tenants.list(status, after, ListParams.limit(limit, 500));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Provision a tenant", description = "Creates a tenant on any plan with its first API key; the secret is shown only this once.")
    @APIResponse(responseCode = "201", description = "the tenant and its first API key, with the secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantRecords.Provisioned.class)))
    @APIResponse(responseCode = "409", description = "the slug is taken")
    @APIResponse(responseCode = "422", description = "a bad slug, name or plan")
    public Uni<Response> provision(SignupRequest request) {
        SignupRequest r = TenantResource.required(request);
        return tenants.provision(r.slug(), r.name(), r.plan() == null ? "free" : r.plan())
                .map(p -> Response.status(201).entity(p).build());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get a tenant", description = "One tenant with its plan limits.")
    public Uni<TenantView> get(@PathParam("id") String id) {
        return tenants.get(Ids.parse(id));
    }

    @PUT
    @Path("/{id}/plan")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a tenant's plan", description = "Moves the tenant to another plan: free, pro or enterprise.")
    @APIResponse(responseCode = "200", description = "the tenant", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "422", description = "no plan, or an unknown one")
    public Uni<TenantView> changePlan(@PathParam("id") String id, PlanChange change) {
        return tenants.changePlan(Ids.parse(id), TenantResource.required(change).plan());
    }

    @POST
    @Path("/{id}/suspend")
    @Operation(summary = "Suspend a tenant", description = "Its keys get 403 at once on every replica until it is resumed.")
    @APIResponse(responseCode = "200", description = "the tenant", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "409", description = "the tenant is not active")
    public Uni<TenantView> suspend(@PathParam("id") String id) {
        return tenants.suspend(Ids.parse(id));
    }

    @POST
    @Path("/{id}/resume")
    @Operation(summary = "Resume a tenant", description = "Undoes a suspension.")
    @APIResponse(responseCode = "200", description = "the tenant", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "409", description = "the tenant is not suspended")
    public Uni<TenantView> resume(@PathParam("id") String id) {
        return tenants.resume(Ids.parse(id));
    }

    /** Soft delete: the tenant's keys stop working at once; its data stays for the retention period. */
    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a tenant (soft)", description = "Its keys stop at once; its data is kept for the retention (onebase.tenants.retention), then purged.")
    @APIResponse(responseCode = "200", description = "the tenant", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "409", description = "the tenant is already deleted")
    public Uni<TenantView> delete(@PathParam("id") String id) {
        return tenants.softDelete(Ids.parse(id));
    }

    @POST
    @Path("/{id}/restore")
    @Operation(summary = "Restore a deleted tenant", description = "Undoes a soft delete within the retention.")
    @APIResponse(responseCode = "200", description = "the tenant", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "409", description = "the tenant is not deleted")
    public Uni<TenantView> restore(@PathParam("id") String id) {
        return tenants.restore(Ids.parse(id));
    }

    @POST
    @Path("/{id}/purge")
    @Operation(summary = "Purge a deleted tenant", description = "Deletes a soft-deleted tenant and all its data; before the retention has passed only with force=true.")
    @APIResponse(responseCode = "204", description = "purged")
    @APIResponse(responseCode = "409", description = "the tenant is not deleted, its retention has not passed (use force=true), or a placement move of it is running (purge it once the move has ended)")
    public Uni<Response> purge(@PathParam("id") String id, @QueryParam("force") @DefaultValue("false") boolean force) {
        return tenants.purge(Ids.parse(id), force).map(ignored -> Response.noContent().build());
    }

    /** The tenant's whole data as a tar archive from one snapshot (docs/tenants.md), streamed. */
    @GET
    @Path("/{id}/export")
    @Produces({ "application/x-tar", MediaType.APPLICATION_JSON })
    @Operation(summary = "Export a tenant", description = "The tenant's whole data from one consistent snapshot as a tar archive: NDJSON per table, large objects, a manifest with counts and SHA-256 of every member. Secrets are left out (docs/tenants.md).")
    @APIResponse(responseCode = "200", description = "the archive, streamed", content = @Content(mediaType = "application/x-tar", schema = @Schema(type = SchemaType.STRING, format = "binary"), example = "(a tar archive: onebase-export.json, tables/*.ndjson, large-objects/*, manifest.json)"))
    public Response export(@PathParam("id") String id) {
        return exports.export(Ids.parse(id));
    }

    /**
     * Loads an archive in one transaction, checked against its manifest: {@code as=new} (a new tenant id, the default;
     * {@code slug} or the archive's with a suffix) or {@code as=same} (the archive's id and slug).
     */
    @POST
    @Path("/import")
    @Consumes({ "application/x-tar", MediaType.APPLICATION_OCTET_STREAM })
    @Operation(summary = "Import a tenant", description = "Loads an export archive in one transaction, checked against its manifest (schema version, sizes, SHA-256, row counts): as=new gives it a new id (and slug), as=same keeps the archive's. A bad or truncated archive writes nothing.")
    @RequestBody(required = true, description = "an archive from an export", content = @Content(mediaType = "application/x-tar", schema = @Schema(type = SchemaType.STRING, format = "binary"), example = "(a tar archive: onebase-export.json, tables/*.ndjson, large-objects/*, manifest.json)"))
    @APIResponse(responseCode = "201", description = "the imported tenant, with a new API key's secret shown once", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantImporter.Result.class)))
    @APIResponse(responseCode = "409", description = "the tenant id or the slug exists")
    @APIResponse(responseCode = "422", description = "the archive does not match its manifest or this database's schema version")
    public Response importArchive(InputStream body, @QueryParam("as") @DefaultValue("new") String as,
            @QueryParam("slug") String slug) {
        TenantImporter.Mode mode = switch (as) {
            case "new" -> TenantImporter.Mode.NEW;
            case "same" -> TenantImporter.Mode.SAME;
            default -> throw ProblemException.badRequest("as must be new or same");
        };
        TenantImporter.Result r = exports.importArchive(body, new TenantImporter.Options(mode, null, slug, false));
        return Response.status(201).entity(r).build();
    }

    /**
     * 202: the tenant's data back to {@code time} through the backups' point-in-time recovery ({@code mode=replace}, or
     * {@code new} beside it); poll {@code GET /admin/tenant-restores/{id}}.
     */
    @POST
    @Path("/{id}/restore-to")
    @Operation(summary = "Restore one tenant to a point in time", description = "Recovers the newest verified full copy and WAL to the time in a scratch cluster, exports the tenant there and replaces its live data where it lives, the shared tables or its own schema (mode=replace), or imports it as a new tenant (mode=new); other tenants are untouched. Poll GET /admin/tenant-restores/{id}.")
    @APIResponse(responseCode = "202", description = "started", content = @Content(mediaType = "application/json", schema = @Schema(ref = "TenantRestoreRun")))
    @APIResponse(responseCode = "409", description = "a tenant restore is already running on this replica")
    @APIResponse(responseCode = "501", description = "this build has no point-in-time recovery")
    public Response restoreTo(@PathParam("id") String id, @QueryParam("time") String time,
            @QueryParam("mode") @DefaultValue("replace") String mode, @QueryParam("slug") String slug) {
        UUID tenant = Ids.parse(id);
        if (time == null || time.isBlank()) {
            throw ProblemException.badRequest("time is required (ISO 8601, e.g. 2026-11-24T14:46:00Z)");
        }
        Instant at;
        try {
            at = Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("time is not an ISO 8601 instant (e.g. 2026-11-24T14:46:00Z): " + time);
        }
        if (!restorer.isResolvable()) {
            throw new ProblemException(501, "Not Implemented", "This build has no point-in-time recovery");
        }
        return Response.accepted(restorer.get().start(tenant, at, mode, slug)).build();
    }

}
