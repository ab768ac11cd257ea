package dev.onebase.resp;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeyRecords.Principal;
import dev.onebase.auth.ApiKeys;
import dev.onebase.auth.ApiKeyStore;
import dev.onebase.auth.KnownKeys;
import dev.onebase.ratelimit.RequestLimit;
import io.smallrye.mutiny.Uni;

/**
 * The door every RESP command on the keyspace passes, as an HTTP request passes the API key filter: the key the
 * connection authenticated with is checked again (from memory, which the database's change notifications clear, so
 * a revoked key or a suspended tenant stops at the next command), with the scope the command needs, and the command
 * counts as one request against the tenant's limit.
 */
@ApplicationScoped
class RespGate {

    record Admitted(UUID tenant, String plan) {
    }

    private final ApiKeyStore keys;
    private final KnownKeys knownKeys;
    private final RequestLimit requestLimit;

    RespGate(ApiKeyStore keys, KnownKeys knownKeys, RequestLimit requestLimit) {
        this.keys = keys;
        this.knownKeys = knownKeys;
        this.requestLimit = requestLimit;
    }

    /** AUTH: whether the key is valid and its tenant active (any scope). */
    Uni<Boolean> valid(String apiKey) {
        var parsed = ApiKeys.parse(apiKey);
        if (parsed.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        return keys.authenticate(parsed.get()).map(found -> found.filter(p -> !"suspended".equals(p.status())).isPresent());
    }

    /**
     * {@link #admit} decided from memory, without a Uni (the hot path: a known key and a request-limit lease with room
     * left): the admitted tenant, or null when the database must be asked (then {@link #admit}; nothing was counted).
     * Throws the NOAUTH/NOPERM error or the 429 problem.
     */
    Admitted admitNow(RespClient client, Command command) {
        ApiKeys.Presented presented = client.presented();
        if (presented == null) {
            return null;
        }
        Optional<Principal> known = knownKeys.find(presented);
        if (known.isEmpty()) {
            return null;
        }
        Principal p = check(known.get(), command, scope(command));
        if (requestLimit.enabled() && requestLimit.enforceLocally(presented.tenantId(), p.plan()) == null) {
            return null;
        }
        return new Admitted(presented.tenantId(), p.plan());
    }

    private static String scope(Command command) {
        return command.kind == Command.Kind.WRITE ? ApiKeys.SCOPE_WRITE : ApiKeys.SCOPE_READ;
    }

    Uni<Admitted> admit(RespClient client, Command command) {
        String scope = scope(command);
        ApiKeys.Presented presented = client.presented();
        if (presented == null) {
            return Uni.createFrom().failure(new RespError("NOAUTH The API key is malformed"));
        }
        // the connection parsed and hashed its key once; the per-replica memory of keys (cleared by the database's
        // change notifications) answers without a database trip, and the database when it cannot
        Optional<Principal> known = knownKeys.find(presented);
        if (known.isPresent()) {
            return limit(client, presented, check(known.get(), command, scope));
        }
        return keys.authenticate(presented).map(found -> check(found.orElseThrow(
                () -> new RespError("NOAUTH The API key is unknown, revoked, or its tenant was deleted")), command, scope))
                .flatMap(p -> limit(client, presented, p));
    }

    /**
     * Counts the command against the tenant's request limit. A connection's commands are counted one after the other
     * (the next once the previous is decided, mostly at once from the replica's lease): a pipeline of hundreds of
     * commands then asks the database for at most one lease at a time instead of hundreds at once.
     */
    private Uni<Admitted> limit(RespClient client, ApiKeys.Presented presented, Principal p) {
        Admitted admitted = new Admitted(presented.tenantId(), p.plan());
        if (!requestLimit.enabled()) {
            return Uni.createFrom().item(admitted);
        }
        return Uni.createFrom().emitter(em -> client.counted(done -> requestLimit.enforce(presented.tenantId(), p.plan()).subscribe().with(
                d -> {
                    done.run();
                    em.complete(admitted);
                },
                e -> {
                    done.run();
                    em.fail(e);
                })));
    }

    private static Principal check(Principal p, Command command, String scope) {
        if ("suspended".equals(p.status())) {
            throw new RespError("NOPERM The tenant is suspended");
        }
        if (!p.scopes().contains(scope)) {
            throw new RespError("NOPERM this API key has no permissions to run the '" + command.name + "' command (it lacks the '"
                    + scope + "' scope)");
        }
        return p;
    }

}
