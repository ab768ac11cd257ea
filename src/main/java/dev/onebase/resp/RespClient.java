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
