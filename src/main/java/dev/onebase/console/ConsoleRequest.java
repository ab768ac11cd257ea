package dev.onebase.console;

import jakarta.enterprise.context.RequestScoped;

import dev.onebase.console.ConsoleSessions.Operator;

/** Who signed in for the console request at hand (an operator, or a tenant with its key), as {@link ConsoleGuard} found them. */
@RequestScoped
public class ConsoleRequest {

    private Operator operator;

    void signedIn(Operator operator) {
        this.operator = operator;
    }

    public String csrf() {
        return operator == null ? "" : operator.csrf();
    }

    /** The tenant of a tenant's own view (signed in with its API key); null for an operator. */
    public java.util.UUID tenant() {
        return operator == null ? null : operator.tenant();
    }
}
