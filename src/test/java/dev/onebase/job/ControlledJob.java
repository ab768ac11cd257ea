package dev.onebase.job;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/** A job bean the tests steer: succeed, fail, or block until released (reporting progress meanwhile). */
@ApplicationScoped
public class ControlledJob implements Job {

    public enum Mode { SUCCEED, FAIL, BLOCK }

    public static volatile Mode mode = Mode.SUCCEED;
    public static volatile CompletableFuture<Void> release = new CompletableFuture<>();
    public static volatile JobContext lastContext;

    @Override
    public String name() {
        return "test-controlled";
    }

    @Override
    public String defaultSchedule() {
        return "1h";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        lastContext = context;
        return switch (mode) {
            case SUCCEED -> Uni.createFrom().item(new JobResult(7, 0, "did seven things"));
            case FAIL -> Uni.createFrom().failure(new IllegalStateException("the disk is on fire"));
            case BLOCK -> {
                context.progress(3, 10);
                yield Uni.createFrom().completionStage(release).replaceWith(JobResult.rows(1));
            }
        };
    }
}
