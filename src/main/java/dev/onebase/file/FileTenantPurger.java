package dev.onebase.file;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.tenant.TenantDataPurger;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/** A tenant purge unlinks the tenant's large objects; the cascade of the tenant row removes the rows themselves. */
@ApplicationScoped
public class FileTenantPurger implements TenantDataPurger {

    private static final Logger LOG = Logger.getLogger(FileTenantPurger.class);

    private final FileStore store;

    public FileTenantPurger(FileStore store) {
        this.store = store;
    }

    @Override
    public Uni<Void> purge(SqlConnection tenantScoped, UUID tenantId) {
        return store.unlinkAll(tenantScoped).invoke(n -> LOG.infof("tenant %s: unlinked %d large objects", tenantId, n)).replaceWithVoid();
    }
}
