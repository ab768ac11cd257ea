-- The job runner's history. Not tenant data (no tenant_id): the request role reads and writes it directly.
-- A scheduled run claims its tick (the slot of the schedule it belongs to) with the unique (job, tick): however
-- many replicas fire for the same tick, one row wins and only that replica runs it. Manual runs have no tick.

create table job_runs (
    id            bigint generated always as identity primary key,
    job           text not null check (job ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    replica       text not null check (length(replica) between 1 and 200),
    trigger       text not null check (trigger in ('schedule', 'manual')),
    tick          timestamptz,
    started_at    timestamptz not null default clock_timestamp(),
    finished_at   timestamptz,
    outcome       text not null default 'running'
                  check (outcome in ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'abandoned')),
    rows_affected bigint not null default 0,
    bytes_written bigint not null default 0,
    detail        text,
    error         text,
    check ((outcome = 'running') = (finished_at is null)),
    check ((trigger = 'schedule') = (tick is not null)),
    unique (job, tick)
);
create index job_runs_job_started on job_runs (job, started_at desc, id desc);
create index job_runs_running on job_runs (job) where outcome = 'running';
create index job_runs_finished on job_runs (finished_at) where finished_at is not null;
