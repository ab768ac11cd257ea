package dev.onebase.db;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * The default database when none is configured: a private PostgreSQL cluster in a data directory of the project's,
 * on a free port of 127.0.0.1, with generated passwords, stopped when the JVM exits.
 */
public final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    public static final String DATABASE = "onebase";
    public static final String SUPERUSER = "onebase_super";

    private final Path baseDir;
    private final Path binDir;
    private final String osUser;
    private final boolean ephemeral;
    private DatabaseCredentials credentials;
    private int port;

    private EmbeddedPostgres(Path baseDir, Path binDir, boolean ephemeral) {
        this.baseDir = baseDir.toAbsolutePath();
        this.binDir = binDir;
        this.ephemeral = ephemeral;
        this.osUser = serverOsUser();
    }

    /** Starts (or adopts an already running) cluster in {@code baseDir}; an ephemeral one is deleted at exit. */
    public static EmbeddedPostgres start(Path baseDir, Path binDir, boolean ephemeral) {
        EmbeddedPostgres pg = new EmbeddedPostgres(baseDir, binDir, ephemeral);
        pg.startCluster();
        return pg;
    }

    public int port() {
        return port;
    }

    public Path binDir() {
        return binDir;
    }

    public Path dataDir() {
        return baseDir.resolve("pgdata");
    }

    public DatabaseCredentials credentials() {
        return credentials;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void startCluster() {
        try {
            Files.createDirectories(baseDir);
            credentials = loadOrCreateCredentials();
            if (!Files.exists(dataDir().resolve("PG_VERSION"))) {
                initdb();
            }
            Integer running = runningPort();
            if (running != null) {
                port = running;
                LOG.infof("Embedded PostgreSQL already running in %s on 127.0.0.1:%d", dataDir(), port);
            } else {
                port = freePort();
                pgCtl("start", "-w", "-t", "120", "-l", baseDir.resolve("postgres.log").toString(), "-o", "-p " + port);
                LOG.infof("Embedded PostgreSQL started in %s on 127.0.0.1:%d", dataDir(), port);
            }
            // the service drains its requests and jobs first (ShutdownOrder), then the database stops
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                ShutdownOrder.awaitApplicationStopped();
                stop();
            }, "embedded-postgres-stop"));
            setUpRolesAndDatabase();
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the embedded database in " + baseDir + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server (and deletes an ephemeral cluster); safe to call more than once. */
    public synchronized void stop() {
        if (Files.exists(dataDir().resolve("postmaster.pid"))) {
            try {
                pgCtl("stop", "-w", "-m", "fast", "-t", "60");
            } catch (RuntimeException e) {
                LOG.warnf("Stopping embedded PostgreSQL: %s", e.getMessage());
            }
        }
        if (ephemeral) {
            deleteTree(baseDir);
        }
    }

    private void initdb() throws IOException {
        Path pwfile = baseDir.resolve("initdb.pw");
        Files.writeString(pwfile, credentials.superuserPassword() + "\n");
        try {
            handToServerUser(baseDir);
            List<String> cmd = new java.util.ArrayList<>(List.of(binDir.resolve("initdb").toString(), "-D", dataDir().toString(),
                    "-U", SUPERUSER, "--pwfile=" + pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C"));
            if (ephemeral) {
                cmd.add("--no-sync");
            }
            Processes.run(cmd, osUser, 300);
        } finally {
            Files.deleteIfExists(pwfile);
        }
        StringBuilder conf = new StringBuilder("\n# onebase embedded defaults\n")
                .append("listen_addresses = '127.0.0.1'\n")
                .append("unix_socket_directories = ''\n")
                .append("max_connections = 200\n")
                .append("wal_level = replica\n")
                .append("max_wal_senders = 10\n")
                .append("max_replication_slots = 10\n");
        if (ephemeral) {
            conf.append("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        Files.writeString(dataDir().resolve("postgresql.conf"), conf.toString(), java.nio.file.StandardOpenOption.APPEND);
    }

    private void pgCtl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir().toString()));
        cmd.addAll(List.of(args));
        Processes.run(cmd, osUser, 180);
    }

    /** The port of a server already running on this data directory, or null. */
    private Integer runningPort() throws IOException {
        Path pid = dataDir().resolve("postmaster.pid");
        if (!Files.exists(pid)) {
            return null;
        }
        try {
            pgCtl("status");
        } catch (IllegalStateException notRunning) {
            return null;
        }
        List<String> lines = Files.readAllLines(pid);
        return lines.size() > 3 ? Integer.valueOf(lines.get(3).trim()) : null;
    }

    private void setUpRolesAndDatabase() {
        String url = jdbcUrl("postgres");
        try (Connection c = DriverManager.getConnection(url, SUPERUSER, credentials.superuserPassword());
                Statement st = c.createStatement()) {
            RoleSetup.ensureRoles(c, credentials.ownerUser(), credentials.ownerPassword(), true);
            RoleSetup.ensureAppRole(c, credentials.appUser(), credentials.appPassword());
            var rs = st.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'");
            if (!rs.next()) {
                st.execute("create database " + DATABASE + " owner " + credentials.ownerUser());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up roles in the embedded database: " + e.getMessage(), e);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl(DATABASE), SUPERUSER, credentials.superuserPassword())) {
            RoleSetup.handOverLargeObjects(c, credentials.appUser());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up roles in the embedded database: " + e.getMessage(), e);
        }
    }

    private DatabaseCredentials loadOrCreateCredentials() throws IOException {
        Path file = baseDir.resolve("credentials.properties");
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        } else {
            p.setProperty("superuser.password", randomSecret());
            p.setProperty("owner.password", randomSecret());
            p.setProperty("app.password", randomSecret());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                p.store(w, "generated by onebase for its embedded PostgreSQL; keep private");
            }
        }
        return new DatabaseCredentials(SUPERUSER, p.getProperty("superuser.password"), "onebase_owner",
                p.getProperty("owner.password"), "onebase_app", p.getProperty("app.password"));
    }

    /** initdb refuses to run as root, so the cluster belongs to an unprivileged user when we are root. */
    private void handToServerUser(Path dir) {
        if (osUser != null) {
            Processes.run(List.of("chown", "-R", osUser, dir.toString()), null, 60);
            Processes.run(List.of("chmod", "700", dir.toString()), null, 60);
        }
    }

    /**
     * The OS user a PostgreSQL server of ours (the embedded one, a restore test's, a recovery's) runs as: null, meaning
     * ourselves, unless we are root, which initdb and postgres refuse.
     */
    public static String serverOsUser() {
        return "root".equals(System.getProperty("user.name"))
                ? System.getenv().getOrDefault("ONEBASE_EMBEDDED_OS_USER", "nobody") : null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String randomSecret() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", dir, e.getMessage());
        }
    }
}
