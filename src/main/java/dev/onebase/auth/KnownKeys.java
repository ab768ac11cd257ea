package dev.onebase.auth;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.auth.ApiKeyRecords.Principal;

/**
 * The API keys this replica has recently seen authenticate, so most requests skip the database for it. An entry is
 * trusted for {@code onebase.auth.key-cache} at most, and forgotten at once when the database announces a change to
 * its tenant or its keys ({@link TenantAccessListener}) or when this replica makes such a change itself. While the
 * announcements cannot be heard, nothing is remembered: every request asks the database.
 */
@ApplicationScoped
public class KnownKeys {

    static final int MAX_ENTRIES = 100_000;

    private record Entry(UUID tenant, Principal principal, long expiresAtNanos) {
    }

    private final ConcurrentHashMap<ByteBuffer, Entry> entries = new ConcurrentHashMap<>();
    /** Moves on every forget: a lookup that started before it must not store what it read. */
    private final AtomicLong generation = new AtomicLong();
    private final long ttlNanos;
    private volatile boolean listening;
    /** Until when (System.nanoTime) the announcements are known to be heard: the listener's last proof of life. */
    private volatile long heardUntilNanos;

    public KnownKeys(@ConfigProperty(name = "onebase.auth.key-cache", defaultValue = "30s") Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    public Optional<Principal> find(ApiKeys.Presented key) {
        Entry e = entries.get(ByteBuffer.wrap(key.hash()));
        if (e == null || !trusted() || System.nanoTime() - e.expiresAtNanos() > 0 || !e.tenant().equals(key.tenantId())) {
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    /** Taken before reading a key from the database, handed back to {@link #remember}. */
    public long generation() {
        return generation.get();
    }

    public void remember(ApiKeys.Presented key, Principal principal, long generationBeforeLookup) {
        if (ttlNanos <= 0 || !trusted() || generation.get() != generationBeforeLookup) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        ByteBuffer id = ByteBuffer.wrap(key.hash().clone());
        Entry entry = new Entry(key.tenantId(), principal, System.nanoTime() + ttlNanos);
        entries.put(id, entry);
        // a forget that ran between the check above and the put has already swept the map: undo the put
        if (generation.get() != generationBeforeLookup) {
            entries.remove(id, entry);
        }
    }

    public void forgetTenant(UUID tenant) {
        generation.incrementAndGet();
        entries.values().removeIf(e -> e.tenant().equals(tenant));
    }

    void forgetAll() {
        generation.incrementAndGet();
        entries.clear();
    }

    /** Whether the change announcements are being heard; remembering is only safe while they are. */
    void listening(boolean listening) {
        forgetAll();
        this.listening = listening;
    }

    /**
     * The listener proved its connection alive: every announcement made before {@code sentAtNanos} has arrived, so
     * what is remembered may be trusted until {@code untilNanos}. Past it, with no newer proof, every request asks
     * the database (a connection that hangs without closing never says so).
     */
    void heard(long untilNanos) {
        synchronized (this) {
            if (heardUntilNanos == 0 || untilNanos - heardUntilNanos > 0) {
                heardUntilNanos = untilNanos;
            }
        }
    }

    private boolean trusted() {
        return listening && System.nanoTime() - heardUntilNanos < 0;
    }
}
