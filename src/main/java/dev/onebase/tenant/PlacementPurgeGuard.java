package dev.onebase.tenant;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A purge and a placement move of the same tenant never run at once (docs/tenants.md#purge-during-a-move): the purge
 * takes the tenant's move lock for its transaction, only trying it, and is refused while a move (on any replica) holds
 * it; the purge job leaves the tenant for its next run. A move tries the same lock before it looks the tenant up, so it
 * neither starts on a tenant being purged nor recreates the schema of one just purged.
 */
@ApplicationScoped
public class PlacementPurgeGuard implements TenantDataPurger {

    /** The purge is refused because a placement move of the tenant runs: worth trying again once it has ended. */
    public static final class MoveRunning extends ProblemException {

        MoveRunning(UUID tenant) {
            super(409, "Conflict", "A placement move of tenant " + tenant + " is running; purge it once the move has ended "
                    + "(GET /admin/tenants/" + tenant + "/placement)");
        }
    }

    @Override
    public Uni<Void> purge(SqlConnection tenantScoped, UUID tenantId) {
        return tenantScoped.preparedQuery("select pg_try_advisory_xact_lock(tenant_move_lock_key($1))").execute(Tuple.of(tenantId))
                .flatMap(rows -> rows.iterator().next().getBoolean(0) ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(new MoveRunning(tenantId)));
    }
}
