package dev.onebase.console;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.console.Pages.Picker;
import dev.onebase.file.FilePaths;
import dev.onebase.file.FileRecords.FolderPage;
import dev.onebase.file.FileRecords.VersionView;
import dev.onebase.file.FileStore;
import dev.onebase.web.Ids;
import io.quarkus.qute.TemplateInstance;

/** A tenant's files: folders, the trash, a file's versions; delete, restore, purge. Uploads and downloads: {@link ConsoleFileRoutes}. */
@Path("/console/files")
@Produces(MediaType.TEXT_HTML)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
public class FilePages {

    private static final int PAGE = 200;

    private final Console console;
    private final FileStore files;

    public FilePages(Console console, FileStore files) {
        this.console = console;
        this.files = files;
    }

    @GET
    public TemplateInstance page(@QueryParam("tenant") String tenant, @QueryParam("folder") String folder,
            @QueryParam("trash") boolean trash, @QueryParam("file") String file,
            @QueryParam("notice") String notice, @QueryParam("error") String error) {
        Picker p = console.picker(tenant);
        FolderPage page = null;
        List<VersionView> versions = List.of();
        if (p.selected() != null) {
            page = Console.await(files.list(p.selected().id(), FilePaths.folder(folder == null ? "" : folder), null, PAGE, trash));
            if (file != null && !file.isEmpty()) {
                versions = Console.await(files.versions(p.selected().id(), Ids.parse(file)));
            }
        }
        return Pages.files(console.chrome("files", "Files", notice, error), p, page, trash, file, versions);
    }

    @POST
    @Path("/delete")
    public Response delete(@FormParam("tenant") String tenant, @FormParam("id") String id, @FormParam("folder") String folder) {
        return Console.change(back(tenant, folder, false), () -> "Moved " + Console.await(files.softDelete(Console.tenantId(tenant), Ids.parse(id))).path()
                + " to the trash");
    }

    @POST
    @Path("/restore")
    public Response restore(@FormParam("tenant") String tenant, @FormParam("id") String id, @FormParam("folder") String folder) {
        return Console.change(back(tenant, folder, true), () -> "Restored " + Console.await(files.restore(Console.tenantId(tenant), Ids.parse(id))).path());
    }

    @POST
    @Path("/purge")
    public Response purge(@FormParam("tenant") String tenant, @FormParam("id") String id, @FormParam("folder") String folder) {
        return Console.change(back(tenant, folder, true), () -> {
            Console.await(files.purge(Console.tenantId(tenant), Ids.parse(id)));
            return "Purged for good";
        });
    }

    @POST
    @Path("/restore-version")
    public Response restoreVersion(@FormParam("tenant") String tenant, @FormParam("id") String id, @FormParam("version") int version,
            @FormParam("folder") String folder) {
        return Console.change(back(tenant, folder, false) + "&file=" + Console.encode(id), () -> "Version " + version + " is current again (now version "
                + Console.await(files.restoreVersion(Console.tenantId(tenant), Ids.parse(id), version)).version() + ")");
    }

    private static String back(String tenant, String folder, boolean trash) {
        return "/console/files?tenant=" + Console.encode(tenant) + "&folder=" + Console.encode(folder) + (trash ? "&trash=true" : "");
    }
}
