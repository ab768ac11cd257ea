package dev.onebase.tenant;

import java.time.Instant;
import java.util.UUID;

/**
 * Brings one tenant back to a point in time: implemented by {@code backup/TenantRestore} (the recovery machinery is
 * the backup feature's), reached from {@code POST /admin/tenants/{id}/restore-to} through this interface, which the
 * tenant layer owns (the dependency rule: a lower layer never imports a feature).
 */
public interface TenantRestorer {

    /** Starts the restore and returns its record (JSON): mode {@code replace} or {@code new} (then {@code slug}). */
    Object start(UUID tenant, Instant time, String mode, String slug);
}
