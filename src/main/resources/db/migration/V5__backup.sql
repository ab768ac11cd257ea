-- Backups: the catalog of every artifact onebase took (snapshots and full copies) and the restore tests that
-- proved them. Operator data, not tenant data: no tenant_id, no RLS. The files are self-describing too
-- (onebase.json beside each artifact), so point-in-time recovery works from the backup directory alone.

create table backups (
    id             bigint generated always as identity primary key,
    kind           text not null check (kind in ('snapshot', 'full')),
    status         text not null check (status in ('running', 'succeeded', 'failed', 'deleted')),
    path           text,
    replica        text,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz,
    start_lsn      pg_lsn,
    end_lsn        pg_lsn,
    size_bytes     bigint check (size_bytes >= 0),
    database_bytes bigint check (database_bytes >= 0),
    duration_ms    bigint check (duration_ms >= 0),
    checksum       text,
    verified       boolean not null default false,
    verification   text,
    row_counts     jsonb,
    error          text
);
create index backups_kind_started on backups (kind, started_at desc);

create table restore_tests (
    id          bigint generated always as identity primary key,
    backup_id   bigint references backups (id) on delete set null,
    kind        text not null check (kind in ('snapshot', 'full')),
    status      text not null check (status in ('running', 'passed', 'failed')),
    replica     text,
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    duration_ms bigint check (duration_ms >= 0),
    checks      jsonb,
    error       text
);
create index restore_tests_started on restore_tests (started_at desc);
