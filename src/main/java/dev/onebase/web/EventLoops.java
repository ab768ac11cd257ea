package dev.onebase.web;

import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/** How many event loops Vert.x has ({@code quarkus.vertx.event-loops-pool-size}): one server instance per loop. */
public final class EventLoops {

    private EventLoops() {
    }

    public static int count(Vertx vertx) {
        int n = 0;
        if (vertx instanceof VertxInternal internal) {
            for (var ignored : internal.getEventLoopGroup()) {
                n++;
            }
        }
        return Math.max(1, n);
    }
}
