package dev.onebase.file;

import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

import dev.onebase.auth.Caller;
import dev.onebase.file.FileRecords.Affected;
import dev.onebase.file.FileRecords.FilePage;
import dev.onebase.file.FileRecords.FileView;
import dev.onebase.file.FileRecords.FolderMove;
import dev.onebase.file.FileRecords.FolderPage;
import dev.onebase.file.FileRecords.Move;
import dev.onebase.file.FileRecords.VersionView;
import dev.onebase.web.Ids;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * File metadata, folders, versions and the trash. The bytes themselves move through {@link FileRoutes}
 * ({@code PUT /api/v1/files/{path}}, {@code POST /api/v1/files}, {@code GET /api/v1/files/{id}/content}).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class FileResource {

    private final FileStore store;
    private final Caller caller;
    private final FileConfig config;

    public FileResource(FileStore store, Caller caller, FileConfig config) {
        this.store = store;
        this.caller = caller;
        this.config = config;
    }

    /** One folder: its files (paged by name) and, on the first page, its sub-folders. */
    @GET
    @Path("/files")
    @Operation(summary = "List a folder", description = "The files and sub-folders of one folder, a page at a time; deleted=true lists the trash. Read scope.")
    public Uni<FolderPage> list(@QueryParam("folder") String folder, @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") String limit, @QueryParam("deleted") @DefaultValue("false") boolean deleted) {
        return store.list(caller.tenantId(), FilePaths.folder(folder), after, ListParams.limit(limit, config.maxPageSize()), deleted);
    }

    @GET
    @Path("/files/search")
    @Operation(summary = "Search files", description = "Files whose path contains q, a page at a time. Read scope.")
    public Uni<FilePage> search(@QueryParam("q") String q, @QueryParam("limit") @DefaultValue("50") String limit) {
        return store.search(caller.tenantId(), q, ListParams.limit(limit, config.maxPageSize()));
    }

    @GET
    @Path("/files/{id}")
    @Operation(summary = "Get a file's metadata", description = "Path, type, size, SHA-256, version and times of one file. Read scope.")
    public Uni<FileView> get(@RestPath String id) {
        return store.get(caller.tenantId(), Ids.parse(id));
    }

    /** Move or rename: {"path": "new/folder/name.ext"}. */
    @PATCH
    @Path("/files/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Move or rename a file", description = "Gives the file a new path. Write scope.")
    @APIResponse(responseCode = "200", description = "the file", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FileView.class)))
    @APIResponse(responseCode = "409", description = "a file already exists at that path")
    @APIResponse(responseCode = "422", description = "no path")
    public Uni<FileView> move(@RestPath String id, Move move) {
        if (move == null || move.path() == null) {
            throw ProblemException.unprocessable("path is required");
        }
        return store.move(caller.tenantId(), Ids.parse(id), FilePaths.file(move.path()));
    }

    /** Soft delete (restorable until the retention runs out), or {@code ?purge=true} to remove it for good now. */
    @DELETE
    @Path("/files/{id}")
    @Operation(summary = "Delete a file", description = "Moves the file to the trash (restorable), or with purge=true deletes it and its versions for good. Write scope.")
    @APIResponse(responseCode = "200", description = "in the trash", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FileView.class)))
    @APIResponse(responseCode = "204", description = "purged")
    public Uni<RestResponse<FileView>> delete(@RestPath String id, @QueryParam("purge") @DefaultValue("false") boolean purge) {
        UUID fileId = Ids.parse(id);
        if (purge) {
            return store.purge(caller.tenantId(), fileId).map(x -> RestResponse.noContent());
        }
        return store.softDelete(caller.tenantId(), fileId).map(RestResponse::ok);
    }

    @POST
    @Path("/files/{id}/restore")
    @Operation(summary = "Restore a file from the trash", description = "Brings a deleted file back to its path. Write scope.")
    @APIResponse(responseCode = "200", description = "the file", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FileView.class)))
    @APIResponse(responseCode = "409", description = "another file now lives at that path")
    public Uni<FileView> restore(@RestPath String id) {
        return store.restore(caller.tenantId(), Ids.parse(id));
    }

    @GET
    @Path("/files/{id}/versions")
    @Operation(summary = "List a file's versions", description = "Every version of the file, the current one marked. Read scope.")
    public Uni<List<VersionView>> versions(@RestPath String id) {
        return store.versions(caller.tenantId(), Ids.parse(id));
    }

    @POST
    @Path("/files/{id}/versions/{version}/restore")
    @Operation(summary = "Restore a version", description = "Makes an earlier version the current one (as a new version). Write scope.")
    @APIResponse(responseCode = "200", description = "the file", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FileView.class)))
    @APIResponse(responseCode = "409", description = "that version is already the current one")
    public Uni<FileView> restoreVersion(@RestPath String id, @RestPath int version) {
        if (version < 1) {
            throw ProblemException.badRequest("version must be a positive integer");
        }
        return store.restoreVersion(caller.tenantId(), Ids.parse(id), version);
    }

    /** Move or rename a folder with everything below it: {"from": "a/b", "to": "c"}. */
    @POST
    @Path("/folders/move")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Move a folder", description = "Moves every file under one folder to another. Write scope.")
    @APIResponse(responseCode = "200", description = "how many files moved", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Affected.class)))
    @APIResponse(responseCode = "409", description = "a file already exists at a target path")
    @APIResponse(responseCode = "422", description = "from or to is missing")
    public Uni<Affected> moveFolder(FolderMove move) {
        if (move == null || move.from() == null || move.to() == null) {
            throw ProblemException.unprocessable("from and to are required");
        }
        return store.moveFolder(caller.tenantId(), FilePaths.folder(move.from()), FilePaths.folder(move.to()));
    }

    /** Recursive delete: soft by default, {@code ?purge=true} removes everything below the folder for good. */
    @DELETE
    @Path("/folders")
    @Operation(summary = "Delete a folder", description = "Moves every file under the folder to the trash, or purges them with purge=true. Write scope.")
    public Uni<Affected> deleteFolder(@QueryParam("path") String path, @QueryParam("purge") @DefaultValue("false") boolean purge) {
        if (path == null) {
            throw ProblemException.badRequest("path is required");
        }
        return store.deleteFolder(caller.tenantId(), FilePaths.folder(path), purge);
    }
}
