package dev.onebase.auth;

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

    public ApiKeyAuthenticator(ApiKeyStore keys) {
        this.keys = keys;
    }

    /** A key that passed, with the tenant it belongs to. */
    public record Authenticated(ApiKeys.Presented key, Principal principal) {
    }

    public Uni<Authenticated> authenticate(String authorization, String scope) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            return Uni.createFrom().failure(refused(ProblemException.unauthorized("Send an API key as 'Authorization: Bearer <key>'")));
        }
        var parsed = ApiKeys.parse(authorization.substring(BEARER.length()).trim());
        if (parsed.isEmpty()) {
            return Uni.createFrom().failure(refused(ProblemException.unauthorized("The API key is malformed")));
        }
        ApiKeys.Presented key = parsed.get();
        return keys.authenticate(key).map(found -> {
            Principal p = found.orElseThrow(() -> refused(ProblemException.unauthorized("The API key is unknown, revoked, or its tenant was deleted")));
            if ("suspended".equals(p.status())) {
                throw refused(ProblemException.forbidden("The tenant is suspended"));
            }
            if (!p.scopes().contains(scope)) {
                throw refused(ProblemException.forbidden("The API key lacks the '" + scope + "' scope"));
            }
            return new Authenticated(key, p);
        });
    }

    /** Counts the refusal in {@code onebase_auth_failures_total} (docs/observability.md). */
    private static ProblemException refused(ProblemException e) {
        ServiceMetrics.apiKeyRefused();
        return e;
    }
}
