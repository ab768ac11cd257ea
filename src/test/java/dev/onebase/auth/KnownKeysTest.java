package dev.onebase.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.onebase.auth.ApiKeyRecords.Principal;

/** The per-replica memory of authenticated keys, on its own: what it keeps, and every way it forgets. */
class KnownKeysTest {

    final UUID tenant = UUID.randomUUID();
    final ApiKeys.Presented key = ApiKeys.parse(ApiKeys.mint(tenant).secret()).orElseThrow();
    final Principal principal = new Principal(UUID.randomUUID(), Set.of(ApiKeys.SCOPE_READ), "active", "free");

    @Test
    void remembersOnlyWhileTheChangeAnnouncementsAreHeard() {
        KnownKeys known = new KnownKeys(Duration.ofSeconds(30));
        known.remember(key, principal, known.generation());
        assertTrue(known.find(key).isEmpty(), "not listening yet: nothing is remembered");
        known.listening(true);
        known.heard(System.nanoTime() + Duration.ofMinutes(5).toNanos());
        known.remember(key, principal, known.generation());
        assertEquals(principal, known.find(key).orElseThrow());
        known.listening(false);
        assertTrue(known.find(key).isEmpty(), "the connection dropped: everything is forgotten");
    }

    @Test
    void forgetsATenantsKeysAndOnlyThose() {
        KnownKeys known = listening(Duration.ofSeconds(30));
        UUID other = UUID.randomUUID();
        ApiKeys.Presented otherKey = ApiKeys.parse(ApiKeys.mint(other).secret()).orElseThrow();
        known.remember(key, principal, known.generation());
        known.remember(otherKey, principal, known.generation());
        known.forgetTenant(tenant);
        assertTrue(known.find(key).isEmpty());
        assertTrue(known.find(otherKey).isPresent());
    }

    @Test
    void aLookupThatStartedBeforeAChangeDoesNotStoreWhatItRead() {
        KnownKeys known = listening(Duration.ofSeconds(30));
        long before = known.generation();
        known.forgetTenant(tenant); // e.g. the key was revoked while the lookup was on its way back
        known.remember(key, principal, before);
        assertTrue(known.find(key).isEmpty());
    }

    @Test
    void anEntryIsTrustedForItsLifetimeOnlyAndAZeroLifetimeKeepsNothing() throws Exception {
        KnownKeys known = listening(Duration.ofMillis(50));
        known.remember(key, principal, known.generation());
        assertTrue(known.find(key).isPresent());
        Thread.sleep(80);
        assertTrue(known.find(key).isEmpty());
        KnownKeys off = listening(Duration.ZERO);
        off.remember(key, principal, off.generation());
        assertTrue(off.find(key).isEmpty());
    }

    @Test
    void aKeyIsFoundOnlyForTheTenantItNames() {
        KnownKeys known = listening(Duration.ofSeconds(30));
        known.remember(key, principal, known.generation());
        assertTrue(known.find(new ApiKeys.Presented(UUID.randomUUID(), key.hash())).isEmpty());
    }

    private static KnownKeys listening(Duration ttl) {
        KnownKeys known = new KnownKeys(ttl);
        known.listening(true);
        known.heard(System.nanoTime() + Duration.ofMinutes(5).toNanos());
        return known;
    }

    @Test
    void whatIsRememberedIsTrustedOnlyUntilTheLastProofThatTheListenerIsAlive() throws Exception {
        KnownKeys known = new KnownKeys(Duration.ofSeconds(30));
        known.listening(true);
        known.heard(System.nanoTime() + Duration.ofMillis(50).toNanos());
        known.remember(key, principal, known.generation());
        assertTrue(known.find(key).isPresent());
        Thread.sleep(80);
        assertTrue(known.find(key).isEmpty(), "no proof for longer than the bound: the database is asked");
        known.heard(System.nanoTime() + Duration.ofMillis(500).toNanos());
        assertTrue(known.find(key).isPresent(), "a new proof: trusted again");
    }
}
