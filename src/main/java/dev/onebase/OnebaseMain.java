package dev.onebase;

import dev.onebase.db.DatabaseBootstrap;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Points the service at its database (starting the embedded one when none is configured), then runs Quarkus. */
@QuarkusMain
public class OnebaseMain {

    public static void main(String... args) {
        if (args.length > 0 && "pitr".equals(args[0])) {
            System.exit(dev.onebase.backup.PitrCommand.main(args));
        }
        if (args.length > 0 && "backup".equals(args[0])) {
            System.exit(dev.onebase.backup.BackupCommand.main(args));
        }
        // Quarkus's own URI check answers an empty 400; web/HttpLimits makes the same check first and answers a problem
        if (System.getProperty("vertx.disableURIValidation") == null) {
            System.setProperty("vertx.disableURIValidation", "true");
        }
        try {
            DatabaseBootstrap.resolve().forEach(System::setProperty);
        } catch (IllegalStateException e) {
            System.err.println("onebase cannot start: " + e.getMessage());
            System.exit(1);
        }
        Quarkus.run(args);
    }
}
