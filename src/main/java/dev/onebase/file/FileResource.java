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
    public Uni<FolderPage> list(@QueryParam("folder") String folder, @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") String limit, @QueryParam("deleted") @DefaultValue("false") boolean deleted) {
        return store.list(caller.tenantId(), FilePaths.folder(folder), after, ListParams.limit(limit, config.maxPageSize()), deleted);
    }

    @GET
    @Path("/files/search")
    public Uni<FilePage> search(@QueryParam("q") String q, @QueryParam("limit") @DefaultValue("50") String limit) {
        return store.search(caller.tenantId(), q, ListParams.limit(limit, config.maxPageSize()));
    }

    @GET
    @Path("/files/{id}")
    public Uni<FileView> get(@RestPath String id) {
        return store.get(caller.tenantId(), Ids.parse(id));
    }

    /** Move or rename: {"path": "new/folder/name.ext"}. */
    @PATCH
    @Path("/files/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<FileView> move(@RestPath String id, Move move) {
        if (move == null || move.path() == null) {
            throw ProblemException.unprocessable("path is required");
        }
        return store.move(caller.tenantId(), Ids.parse(id), FilePaths.file(move.path()));
    }

    /** Soft delete (restorable until the retention runs out), or {@code ?purge=true} to remove it for good now. */
    @DELETE
    @Path("/files/{id}")
    public Uni<RestResponse<FileView>> delete(@RestPath String id, @QueryParam("purge") @DefaultValue("false") boolean purge) {
        UUID fileId = Ids.parse(id);
        if (purge) {
            return store.purge(caller.tenantId(), fileId).map(x -> RestResponse.noContent());
        }
        return store.softDelete(caller.tenantId(), fileId).map(RestResponse::ok);
    }

    @POST
    @Path("/files/{id}/restore")
    public Uni<FileView> restore(@RestPath String id) {
        return store.restore(caller.tenantId(), Ids.parse(id));
    }

    @GET
    @Path("/files/{id}/versions")
    public Uni<List<VersionView>> versions(@RestPath String id) {
        return store.versions(caller.tenantId(), Ids.parse(id));
    }

    @POST
    @Path("/files/{id}/versions/{version}/restore")
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
    public Uni<Affected> moveFolder(FolderMove move) {
        if (move == null || move.from() == null || move.to() == null) {
            throw ProblemException.unprocessable("from and to are required");
        }
        return store.moveFolder(caller.tenantId(), FilePaths.folder(move.from()), FilePaths.folder(move.to()));
    }

    /** Recursive delete: soft by default, {@code ?purge=true} removes everything below the folder for good. */
    @DELETE
    @Path("/folders")
    public Uni<Affected> deleteFolder(@QueryParam("path") String path, @QueryParam("purge") @DefaultValue("false") boolean purge) {
        if (path == null) {
            throw ProblemException.badRequest("path is required");
        }
        return store.deleteFolder(caller.tenantId(), FilePaths.folder(path), purge);
    }
}
