package dev.onebase.auth;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeyRecords.Principal;
import dev.onebase.web.ProblemException;
import dev.onebase.web.ServiceMetrics;
import io.smallrye.mutiny.Uni;

/**
 * The one check of an API key, for the JAX-RS filter and for the streaming routes that live outside JAX-RS: a valid
 * key of a tenant that is not deleted or suspended, with the scope the request needs. Fails with the problem to send.
 */
@ApplicationScoped
public class ApiKeyAuthenticator {

    private static final String BEARER = "Bearer ";

    private final ApiKeyStore keys;
    private final KnownKeys known;

    public ApiKeyAuthenticator(ApiKeyStore keys, KnownKeys known) {
        this.keys = keys;
        this.known = known;
    }

    /** A key that passed, with the tenant it belongs to. */
    public record Authenticated(ApiKeys.Presented key, Principal principal) {
    }

    public Uni<Authenticated> authenticate(String authorization, String scope) {
        ApiKeys.Presented key;
        try {
            key = presented(authorization);
        } catch (ProblemException refused) {
            return Uni.createFrom().failure(refused);
        }
        return keys.authenticate(key).map(found -> check(key, found, scope));
    }

    /**
     * The same check decided from this replica's key cache alone, without a Uni (the hot routes' fast path): the key
     * that passed, or null when the key is not in the cache and must be read from the database with
     * {@link #authenticate}. Throws the problem to send when the key is refused.
     */
    public Authenticated authenticateKnown(String authorization, String scope) {
        ApiKeys.Presented key = presented(authorization);
        Optional<Principal> seen = known.find(key);
        return seen.isEmpty() ? null : check(key, seen, scope);
    }

    private static ApiKeys.Presented presented(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            throw refused(ProblemException.unauthorized("Send an API key as 'Authorization: Bearer <key>'"));
        }
        var parsed = ApiKeys.parse(authorization.substring(BEARER.length()).trim());
        if (parsed.isEmpty()) {
            throw refused(ProblemException.unauthorized("The API key is malformed"));
        }
        return parsed.get();
    }

    private static Authenticated check(ApiKeys.Presented key, Optional<Principal> found, String scope) {
        Principal p = found.orElseThrow(() -> refused(ProblemException.unauthorized("The API key is unknown, revoked, or its tenant was deleted")));
        if ("suspended".equals(p.status())) {
            throw refused(ProblemException.forbidden("The tenant is suspended"));
        }
        if (!p.scopes().contains(scope)) {
            throw refused(ProblemException.forbidden("The API key lacks the '" + scope + "' scope"));
        }
        return new Authenticated(key, p);
    }

    /** Counts the refusal in {@code onebase_auth_failures_total} (docs/observability.md). */
    private static ProblemException refused(ProblemException e) {
        ServiceMetrics.apiKeyRefused();
        return e;
    }
}
