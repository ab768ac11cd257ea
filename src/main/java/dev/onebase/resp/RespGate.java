package dev.onebase.resp;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeyAuthenticator;
import dev.onebase.auth.ApiKeys;
import dev.onebase.auth.ApiKeyStore;
import dev.onebase.ratelimit.RequestLimit;
import dev.onebase.web.ProblemException;
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

    private final ApiKeyAuthenticator authenticator;
    private final ApiKeyStore keys;
    private final RequestLimit requestLimit;

    RespGate(ApiKeyAuthenticator authenticator, ApiKeyStore keys, RequestLimit requestLimit) {
        this.authenticator = authenticator;
        this.keys = keys;
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

    Uni<Admitted> admit(String apiKey, Command command) {
        String scope = command.kind == Command.Kind.WRITE ? ApiKeys.SCOPE_WRITE : ApiKeys.SCOPE_READ;
        return authenticator.authenticate("Bearer " + apiKey, scope)
                .onFailure(ProblemException.class).transform(e -> refused((ProblemException) e, command, scope))
                .flatMap(ok -> requestLimit.enforce(ok.key().tenantId(), ok.principal().plan())
                        .map(decision -> new Admitted(ok.key().tenantId(), ok.principal().plan())));
    }

    private static RuntimeException refused(ProblemException e, Command command, String scope) {
        if (e.status() == 403 && e.getMessage() != null && e.getMessage().contains("scope")) {
            return new RespError("NOPERM this API key has no permissions to run the '" + command.name + "' command (it lacks the '"
                    + scope + "' scope)");
        }
        return e.status() == 401 ? new RespError("NOAUTH " + e.getMessage()) : e;
    }
}
