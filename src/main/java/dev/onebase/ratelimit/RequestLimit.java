package dev.onebase.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.onebase.tenant.Plan;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ProblemException;
import dev.onebase.web.ServiceMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;

/**
 * The per-tenant request limit of the plan (requests_per_minute, GCRA over one minute), for every authenticated API
 * call: the JAX-RS filter asks it, and so do the streaming file routes, which run outside JAX-RS.
 *
 * <p>The bucket lives in the database, shared by all replicas, but a replica does not ask it per request: it leases
 * several requests at once ({@link Allowance}) and hands them out locally, and it counts requests locally and adds
 * the counts to tenant_request_counts with its next lease or every {@code flush-interval}. A refused lease is
 * remembered until the bucket can have room again, so a tenant over its limit costs the database nothing more.
 */
@ApplicationScoped
public class RequestLimit {

    private static final Logger LOG = Logger.getLogger(RequestLimit.class);
    /** Past this many rounds of waiting for other requests' leases, a request leases for itself alone. */
    private static final int MAX_SHARED_ATTEMPTS = 8;

    private final RateLimiter limiter;
    private final PlanCatalog plans;
    private final RequestLimitConfig config;
    private final Map<UUID, Allowance> allowances = new ConcurrentHashMap<>();
    private final AtomicLong leases = new AtomicLong();
    private long flushTimer = -1;

    public RequestLimit(RateLimiter limiter, PlanCatalog plans, RequestLimitConfig config) {
        this.limiter = limiter;
        this.plans = plans;
        this.config = config;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Counts one request of the tenant and decides it. */
    public Uni<RateLimiter.Decision> consume(UUID tenant, String plan) {
        return perMinute(plan).flatMap(limit -> take(tenant, limit, 0));
    }

    /** Counts one request and fails with the 429 problem when the tenant is over its limit. */
    public Uni<RateLimiter.Decision> enforce(UUID tenant, String plan) {
        if (!enabled()) {
            return Uni.createFrom().nullItem();
        }
        return consume(tenant, plan).map(d -> {
            if (!d.allowed()) {
                throw tooMany(d);
            }
            return d;
        });
    }

    /**
     * {@link #enforce} decided from this replica's lease alone, without a Uni (the hot routes' fast path): the
     * decision of an allowed request, or null when it needs the database (no lease left, or the plan's limits not
     * read yet): then {@link #enforce} decides it. Throws the 429 problem when the tenant is over its limit. Only
     * when {@link #enabled()}.
     */
    public RateLimiter.Decision enforceLocally(UUID tenant, String plan) {
        int limit;
        if (config.perMinute().isPresent()) {
            limit = config.perMinute().get();
        } else {
            Plan p = plans.cached(plan);
            if (p == null) {
                return null;
            }
            limit = p.requestsPerMinute();
        }
        Allowance a = allowances.get(tenant);
        if (a == null) {
            return null;
        }
        RateLimiter.Decision d;
        synchronized (a) {
            if (a.retired) {
                return null;
            }
            d = a.takeLocally(limit, System.nanoTime());
        }
        if (d != null && !d.allowed()) {
            throw tooMany(d);
        }
        return d;
    }

    /** Writes this replica's pending request counts now (the stats job calls it before refreshing). */
    public Uni<Void> flush() {
        List<Uni<Void>> writes = new ArrayList<>();
        long now = System.nanoTime();
        allowances.forEach((tenant, a) -> {
            Allowance.Counts counts;
            synchronized (a) {
                if (a.idleSince(now) > TimeUnit.MINUTES.toNanos(2) && !a.hasPending(now)) {
                    a.retired = true;
                    allowances.remove(tenant, a);
                    return;
                }
                counts = a.drainCounts();
            }
            if (counts.requests() > 0) {
                writes.add(limiter.lease(tenant, Math.max(1, a.limit()), 0, counts.requests(), counts.rejected()).replaceWithVoid()
                        .onFailure().recoverWithUni(e -> restore(tenant, a, counts, e)));
            }
        });
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andCollectFailures().replaceWithVoid();
    }

    /** How many leases this replica has asked the database for (a metric, and what the tests look at). */
    long leasesTaken() {
        return leases.get();
    }

    Uni<Integer> perMinute(String plan) {
        return config.perMinute().isPresent()
                ? Uni.createFrom().item(config.perMinute().get())
                : plans.limits(plan).map(Plan::requestsPerMinute);
    }

    private Uni<RateLimiter.Decision> take(UUID tenant, int limit, int attempt) {
        Allowance a = allowances.computeIfAbsent(tenant, t -> new Allowance());
        PendingLease lease;
        int startLease = -1;
        synchronized (a) {
            if (a.retired) {
                return take(tenant, limit, attempt); // dropped as idle by flush() meanwhile: use its successor
            }
            RateLimiter.Decision local = a.takeLocally(limit, System.nanoTime());
            if (local != null) {
                return Uni.createFrom().item(local);
            }
            if (attempt >= MAX_SHARED_ATTEMPTS) {
                return leaseForOne(tenant, limit);
            }
            if (a.pendingLease == null) {
                a.pendingLease = new PendingLease();
                startLease = a.nextLeaseSize(limit, System.nanoTime());
            }
            lease = a.pendingLease;
        }
        if (startLease >= 0) {
            PendingLease started = lease;
            lease(tenant, a, limit, startLease).subscribe().with(done -> started.settle(null), started::settle);
        }
        return lease.await().flatMap(ignored -> take(tenant, limit, attempt + 1));
    }

    private Uni<Void> lease(UUID tenant, Allowance a, int limit, int want) {
        Allowance.Counts counts = a.drainCounts();
        leases.incrementAndGet();
        return limiter.lease(tenant, limit, want, counts.requests(), counts.rejected())
                .onItemOrFailure().invoke((granted, failure) -> {
                    synchronized (a) {
                        a.pendingLease = null;
                        if (failure == null) {
                            a.leased(limit, granted, System.nanoTime());
                        } else {
                            a.addCounts(counts);
                        }
                    }
                })
                .replaceWithVoid();
    }

    /** The rare request that kept losing the shared leases to others: one request, decided by the database. */
    private Uni<RateLimiter.Decision> leaseForOne(UUID tenant, int limit) {
        leases.incrementAndGet();
        return limiter.lease(tenant, limit, 1, 0, 0).map(granted -> {
            Allowance current = allowances.computeIfAbsent(tenant, t -> new Allowance());
            synchronized (current) {
                return current.decidedAlone(limit, granted);
            }
        });
    }

    private Uni<Void> restore(UUID tenant, Allowance a, Allowance.Counts counts, Throwable e) {
        if (e instanceof PgException pg && "23503".equals(pg.getSqlState())) {
            return Uni.createFrom().voidItem(); // the tenant was purged meanwhile: nothing left to count for
        }
        LOG.debugf("Request counts of %s not written yet: %s", tenant, e.getMessage());
        synchronized (a) {
            a.addCounts(counts);
        }
        return Uni.createFrom().voidItem();
    }

    void startFlushing(@Observes StartupEvent event, Vertx vertx) {
        long every = Math.max(100, config.flushInterval().toMillis());
        flushTimer = vertx.setPeriodic(every, id -> flush().subscribe().with(ok -> {
        }, e -> LOG.debugf("Flushing request counts failed: %s", e.getMessage())));
    }

    void stopFlushing(@Observes ShutdownEvent event, Vertx vertx) {
        if (flushTimer >= 0) {
            vertx.cancelTimer(flushTimer);
        }
        try {
            flush().await().atMost(java.time.Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("Request counts of the last seconds were not written: %s", e.getMessage());
        }
    }

    static ProblemException tooMany(RateLimiter.Decision d) {
        ServiceMetrics.limitedByPlan();
        long retry = Math.max(1, (d.retryAfterMs() + 999) / 1000);
        Map<String, String> headers = new java.util.HashMap<>(RequestLimitFilter.headers(d));
        headers.put("Retry-After", Long.toString(retry));
        return new ProblemException(429, "Too Many Requests", "The tenant's plan allows " + d.limit()
                + " API requests per minute; retry in " + retry + " s", headers);
    }
}
