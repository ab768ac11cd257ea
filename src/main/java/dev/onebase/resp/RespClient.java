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

    private final java.util.ArrayDeque<java.util.function.Consumer<Runnable>> counting = new java.util.ArrayDeque<>();
    private boolean countingBusy;

    /**
     * Runs {@code step} once the steps queued before it have called their {@code done}: one at a time per connection.
     */
    void counted(java.util.function.Consumer<Runnable> step) {
        synchronized (counting) {
            counting.add(step);
            if (countingBusy) {
                return;
            }
            countingBusy = true;
        }
        drainCounted();
    }

    /** Runs the queued steps in order; a step that finishes later (asynchronously) resumes the loop itself. */
    private void drainCounted() {
        while (true) {
            java.util.function.Consumer<Runnable> step;
            synchronized (counting) {
                step = counting.poll();
                if (step == null) {
                    countingBusy = false;
                    return;
                }
            }
            // 0: running, 1: done during accept, 2: accept returned first, 3: done after that
            java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
            step.accept(() -> {
                if (!state.compareAndSet(0, 1) && state.compareAndSet(2, 3)) {
                    drainCounted();
                }
            });
            if (state.compareAndSet(0, 2)) {
                return;
            }
        }
    }

    boolean authenticated() {
        return apiKey != null;
    }

    void reset() {
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
