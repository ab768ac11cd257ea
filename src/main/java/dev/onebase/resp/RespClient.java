package dev.onebase.resp;

import java.util.concurrent.atomic.AtomicLong;

/** What the server knows about one connection: who it is (after AUTH), the protocol it speaks, its name. */
final class RespClient {

    private static final AtomicLong IDS = new AtomicLong();

    final long id = IDS.incrementAndGet();
    final String address;
    final long connectedAt = System.currentTimeMillis();
    int protocol = 2;
    String apiKey;
    String name;
    String libName;
    String libVersion;
    boolean closing;
    /** After MULTI: the commands queued for EXEC (null outside a transaction). */
    java.util.List<TransactionCommands.Queued> queued;
    /** A command was refused while queuing: EXEC answers EXECABORT. */
    boolean queueFailed;
    /** WATCHed keys and their versions when first watched (null: none). */
    java.util.Map<String, String> watched;
    /** Commands whose admission is with the database, and the last of them (RespCommands.admitInOrder). */
    int admitting;
    io.smallrye.mutiny.Uni<RespGate.Admitted> admissions;

    void endTransaction() {
        queued = null;
        queueFailed = false;
        watched = null;
    }

    RespClient(String address) {
        this.address = address;
    }

    private String presentedFor;
    private dev.onebase.auth.ApiKeys.Presented presented;

    /** The API key parsed and hashed, once per key the connection authenticates with; null when malformed. */
    dev.onebase.auth.ApiKeys.Presented presented() {
        if (apiKey == null) {
            return null;
        }
        if (!apiKey.equals(presentedFor)) {
            presented = dev.onebase.auth.ApiKeys.parse(apiKey).orElse(null);
            presentedFor = apiKey;
        }
        return presented;
    }

    /** Request-limit checks of one connection in flight at most (most are decided at once, from the lease). */
    static final int MAX_COUNTING = 16;

    private final java.util.ArrayDeque<java.util.function.Consumer<Runnable>> counting = new java.util.ArrayDeque<>();
    private int countingActive;
    private boolean countingDraining;

    /**
     * Runs {@code step} (in the order given) once fewer than {@link #MAX_COUNTING} earlier steps are still waiting;
     * a step calls its {@code done} when it is decided. A pipeline of hundreds of commands then waits for a few
     * request-limit leases at a time instead of asking the database for hundreds at once.
     */
    void counted(java.util.function.Consumer<Runnable> step) {
        synchronized (counting) {
            counting.add(step);
        }
        drainCounted();
    }

    private void drainCounted() {
        while (true) {
            java.util.function.Consumer<Runnable> step;
            synchronized (counting) {
                if (countingDraining || countingActive >= MAX_COUNTING || counting.isEmpty()) {
                    return;
                }
                step = counting.poll();
                countingActive++;
                countingDraining = true;
            }
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            try {
                step.accept(() -> {
                    if (once.compareAndSet(false, true)) {
                        synchronized (counting) {
                            countingActive--;
                        }
                        drainCounted();
                    }
                });
            } finally {
                synchronized (counting) {
                    countingDraining = false;
                }
            }
        }
    }

    boolean authenticated() {
        return apiKey != null;
    }

    void reset() {
        endTransaction();
        protocol = 2;
        apiKey = null;
        name = null;
    }

    String info() {
        long age = (System.currentTimeMillis() - connectedAt) / 1000;
        return "id=" + id + " addr=" + address + " laddr=? fd=-1 name=" + (name == null ? "" : name) + " age=" + age
                + " idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 resp=" + protocol
                + " lib-name=" + (libName == null ? "" : libName) + " lib-ver=" + (libVersion == null ? "" : libVersion);
    }
}
