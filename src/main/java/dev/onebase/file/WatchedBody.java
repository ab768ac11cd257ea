package dev.onebase.file;

import dev.onebase.web.ProblemException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body as an upload reads it, with the bounds a client must not be able to push past: while the upload waits for
 * the client (it has asked for data and none came), a timer runs, and after the idle timeout the body fails with 408;
 * {@link #abort} fails it at once (the client went away, the body cannot be parsed). A failed body fails the upload,
 * which rolls its transaction back and gives its connection to the pool. The time the upload spends writing to the
 * database does not count: the timer runs only while data is asked for.
 */
final class WatchedBody implements ReadStream<Buffer> {

    private final Vertx vertx;
    private final ReadStream<Buffer> source;
    private final long idleMillis;
    private Handler<Buffer> handler;
    private Handler<Throwable> exceptionHandler;
    private Handler<Void> endHandler;
    private Throwable failure;
    private boolean done;
    private boolean flowing = true;
    private long demand;
    private long timer = -1;
    private long waitMillis;
    private ProblemException onIdle;

    WatchedBody(Vertx vertx, ReadStream<Buffer> source, long idleMillis) {
        this.vertx = vertx;
        this.source = source;
        this.idleMillis = idleMillis;
        this.waitMillis = idleMillis;
        this.onIdle = FileRoutes.idleTimeout(idleMillis);
        source.handler(this::data);
        source.endHandler(v -> {
            if (!done) {
                done = true;
                stopTimer();
                if (endHandler != null) {
                    endHandler.handle(null);
                }
            }
        });
        source.exceptionHandler(e -> abort(FileRoutes.malformed(e)));
    }

    /**
     * The request has been read to its end, but this part has not: whatever is left of it is already buffered, so a
     * part that does not finish promptly never will (its closing boundary is missing).
     */
    void requestEnded(ProblemException malformed) {
        if (!done) {
            waitMillis = Math.min(idleMillis, 1000);
            onIdle = malformed;
            restartTimer();
        }
    }

    /** Fails the body now; the upload reading it rolls back. */
    void abort(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        stopTimer();
        failure = cause;
        source.pause();
        if (exceptionHandler != null) {
            exceptionHandler.handle(cause);
        }
    }

    private void data(Buffer b) {
        if (done) {
            return;
        }
        if (demand > 0 && demand != Long.MAX_VALUE) {
            demand--;
        }
        restartTimer();
        if (handler != null) {
            handler.handle(b);
        }
    }

    private boolean waiting() {
        return !done && (flowing || demand > 0);
    }

    private void restartTimer() {
        stopTimer();
        if (waiting()) {
            timer = vertx.setTimer(waitMillis, id -> {
                timer = -1;
                abort(onIdle);
            });
        }
    }

    private void stopTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
        exceptionHandler = h;
        if (h != null && failure != null) {
            h.handle(failure);
        }
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
        handler = h;
        restartTimer();
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        flowing = false;
        demand = 0;
        stopTimer();
        if (!done) {
            // a request left paused after its end does not count as ended, and its answer would wait for a body that came
            source.pause();
        }
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        flowing = true;
        restartTimer();
        source.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        demand = Long.MAX_VALUE - demand < amount ? Long.MAX_VALUE : demand + amount;
        restartTimer();
        source.fetch(amount);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
        endHandler = h;
        return this;
    }
}
