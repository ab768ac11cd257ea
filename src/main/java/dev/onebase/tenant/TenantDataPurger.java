package dev.onebase.tenant;

import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A feature whose tenant data needs more than the cascade of the tenant row's deletion (large objects, say)
 * implements this; the purge calls every one inside the same tenant transaction, before deleting the tenant.
 */
public interface TenantDataPurger {

    Uni<Void> purge(SqlConnection tenantScoped, UUID tenantId);
}
