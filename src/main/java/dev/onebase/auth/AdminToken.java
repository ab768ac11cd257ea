package dev.onebase.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.web.ProblemException;
import dev.onebase.web.ServiceMetrics;

/** The operators' credential for {@code /admin/...}, from {@code ONEBASE_ADMIN_TOKEN}; unset, the admin API is off. */
@ApplicationScoped
public class AdminToken {

    private static final String BEARER = "Bearer ";

    private final Optional<String> token;

    public AdminToken(@ConfigProperty(name = "onebase.admin.token") Optional<String> token) {
        this.token = token.filter(t -> !t.isBlank());
    }

    /** Passes for {@code Bearer <the admin token>}; otherwise throws the 401 to answer. */
    public void check(String authorization) {
        if (token.isEmpty()) {
            ServiceMetrics.adminTokenRefused();
            throw ProblemException.unauthorized("The admin API is disabled: set ONEBASE_ADMIN_TOKEN");
        }
        String presented = authorization != null && authorization.startsWith(BEARER) ? authorization.substring(BEARER.length()).trim() : "";
        // compared as digests, in constant time, so neither the length nor a prefix of the token leaks
        boolean ok = MessageDigest.isEqual(ApiKeys.sha256(presented.getBytes(StandardCharsets.UTF_8)),
                ApiKeys.sha256(token.get().getBytes(StandardCharsets.UTF_8)));
        if (!ok) {
            ServiceMetrics.adminTokenRefused();
            throw ProblemException.unauthorized("The admin credential is missing or wrong");
        }
    }
}
