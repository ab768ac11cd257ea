package dev.onebase.console;

import jakarta.enterprise.context.RequestScoped;

import dev.onebase.console.ConsoleSessions.Operator;

/** The operator of the console request at hand, as {@link ConsoleGuard} found them. */
@RequestScoped
public class ConsoleRequest {

    private Operator operator;

    void signedIn(Operator operator) {
        this.operator = operator;
    }

    public String csrf() {
        return operator == null ? "" : operator.csrf();
    }
}
