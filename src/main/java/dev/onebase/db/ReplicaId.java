package dev.onebase.db;

import java.net.InetAddress;

/**
 * How this process names itself in the rows it writes ({@code job_runs.replica}, {@code backups.replica},
 * {@code restore_tests.replica}): {@code host-pid}, the host being {@code $HOSTNAME} (the pod's name on Kubernetes).
 */
public final class ReplicaId {

    private static final String CURRENT = host() + "-" + ProcessHandle.current().pid();

    private ReplicaId() {
    }

    public static String current() {
        return CURRENT;
    }

    private static String host() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
