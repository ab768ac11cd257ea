package dev.onebase.console;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import dev.onebase.console.Pages.Chrome;
import dev.onebase.console.Pages.Picker;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.tenant.TenantService;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * What the console's resources share: the page chrome, the tenant picker, waiting for a feature's answer (the console's
 * pages run on worker threads, so they may wait), and the redirect after a change, with its notice or error.
 */
@ApplicationScoped
public class Console {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final int PICKER_LIMIT = 500;

    private final ConsoleRequest request;
    private final TenantService tenants;

    public Console(ConsoleRequest request, TenantService tenants) {
        this.request = request;
        this.tenants = tenants;
    }

    Chrome chrome(String active, String title, String notice, String error) {
        return new Chrome(request.csrf(), active, title, notice, error, request.tenant() == null ? null : request.tenant().toString());
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    /** The tenants to pick from, and the picked one (by id or slug) when there is one. */
    Picker picker(String tenant) {
        if (request.tenant() != null) {
            // a tenant's own view: its tenant only, whatever was asked (the guard already refused another's)
            TenantView own = await(tenants.get(request.tenant()));
            return new Picker(List.of(own), own);
        }
        List<TenantView> all = await(tenants.list(null, null, PICKER_LIMIT)).items();
        TenantView selected = tenant == null || tenant.isBlank() ? null
                : all.stream().filter(t -> t.id().toString().equals(tenant) || t.slug().equals(tenant)).findFirst()
                        .orElseGet(() -> await(tenants.get(tenantId(tenant))));
        return new Picker(all, selected);
    }

    static UUID tenantId(String tenant) {
        try {
            return UUID.fromString(tenant == null ? "" : tenant);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("No such tenant: " + tenant);
        }
    }

    /** Runs a change and answers 303 to {@code back} with a notice, or with the problem's detail as the error. */
    static Response change(String back, Supplier<String> action) {
        try {
            return seeOther(back, "notice", action.get());
        } catch (ProblemException e) {
            return seeOther(back, "error", e.getMessage());
        }
    }

    static Response seeOther(String back, String kind, String message) {
        String sep = back.contains("?") ? "&" : "?";
        return Response.seeOther(URI.create(back + sep + kind + "=" + encode(message))).build();
    }

    static String encode(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}
