package dev.onebase.db;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * What a SIGTERM sets off, in order: readiness goes down ({@code quarkus.shutdown.delay}), in-flight requests, uploads
 * and downloads get {@code quarkus.shutdown.timeout} to finish while new ones are refused with 503, running jobs
 * (scheduled or manual) get {@code onebase.jobs.shutdown-grace} and have their end recorded, and only then does the
 * embedded PostgreSQL stop (its own shutdown hook waits for this). Whatever hangs, the process is halted once
 * {@code onebase.shutdown.deadline} has passed since the signal: a shutdown never needs a kill -9.
 * <p>
 * A start that fails (any start-up step throws) ends the process at once with status 1 and one line saying why: Quarkus
 * fires no ShutdownEvent for an application that never started, so the embedded database's hook is told here instead of
 * waiting for the deadline (it once did: a failed start took the 90 s deadline to end).
 */
@ApplicationScoped
public class ShutdownOrder {

    private static final Logger LOG = Logger.getLogger(ShutdownOrder.class);
    private static final CountDownLatch STOPPED = new CountDownLatch(1);
    private static volatile boolean started;
    private static volatile Duration deadline = Duration.ofSeconds(90);

    /** First among the start-up observers, so that whatever start-up step fails after it finds the exit armed. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event,
            @ConfigProperty(name = "onebase.shutdown.deadline", defaultValue = "90s") Duration limit) {
        deadline = limit;
        started = true;
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            Runtime.getRuntime().addShutdownHook(new Thread(ShutdownOrder::armDeadline, "onebase-shutdown-deadline"));
            BiConsumer<Integer, Throwable> exit = ApplicationLifecycleManager.getDefaultExitCodeHandler();
            ApplicationLifecycleManager.setDefaultExitCodeHandler((status, failure) -> {
                if (failure != null) {
                    startFailed(status, failure);
                }
                exit.accept(status, failure);
            });
        }
    }

    /**
     * Quarkus calls its exit handler with the failure only when the start failed (after logging it): nothing was
     * served, so nothing is drained, and the database may stop at once.
     */
    static void startFailed(int status, Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        LOG.errorf("onebase failed to start: %s; exiting with status %d", root.getMessage() == null ? root.toString() : root.getMessage(), status);
        STOPPED.countDown();
    }

    /** Runs last among the shutdown observers (after the jobs' grace): the application needs its database no more. */
    void onStop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) ShutdownEvent event) {
        STOPPED.countDown();
    }

    /** For the embedded database's shutdown hook: waits (bounded) until the application no longer needs it. */
    static void awaitApplicationStopped() {
        if (!started) {
            return;
        }
        try {
            if (!STOPPED.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the application did not stop within the shutdown deadline; stopping the embedded database anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void armDeadline() {
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.errorf("shutdown did not finish within onebase.shutdown.deadline (%s): halting the process", deadline);
            Runtime.getRuntime().halt(1);
        }, "onebase-shutdown-halt");
        halt.setDaemon(true);
        halt.start();
    }
}
