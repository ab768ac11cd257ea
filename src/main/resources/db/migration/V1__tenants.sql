-- Foundation: plans, tenants, API keys, all behind Row-Level Security.
-- The request role (${app_role}) gets plain table privileges; isolation comes from the policies, which are FORCEd
-- so that even the owner is fenced. ${admin_role} (NOLOGIN) owns the few SECURITY DEFINER functions that work
-- across tenants.

alter default privileges in schema public grant select, insert, update, delete on tables to ${app_role};
alter default privileges in schema public grant usage, select on sequences to ${app_role};
alter default privileges in schema public grant select, insert, update, delete on tables to ${admin_role};
grant usage on schema public to ${app_role};
-- the admin role must be able to own functions in the schema; it cannot log in
grant usage, create on schema public to ${admin_role};

create table plans (
    id                  text primary key,
    name                text not null,
    storage_bytes       bigint not null check (storage_bytes >= 0),
    max_file_bytes      bigint not null check (max_file_bytes >= 0),
    cache_entries       integer not null check (cache_entries >= 0),
    requests_per_minute integer not null check (requests_per_minute > 0)
);
revoke insert, update, delete on plans from ${app_role};

insert into plans (id, name, storage_bytes, max_file_bytes, cache_entries, requests_per_minute) values
    ('free',       'Free',        1073741824,     104857600,   10000,    600),
    ('pro',        'Pro',       107374182400,   5368709120, 1000000,   6000),
    ('enterprise', 'Enterprise', 1099511627776, 53687091200, 10000000, 60000);

create table tenants (
    id         uuid primary key,
    slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name       text not null check (length(name) between 1 and 200),
    plan       text not null references plans (id),
    status     text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
    settings   jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
    created_at timestamptz not null default now(),
    deleted_at timestamptz,
    check ((status = 'deleted') = (deleted_at is not null))
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
    using (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on tenants to ${admin_role} using (true) with check (true);

create table api_keys (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    id           uuid not null default gen_random_uuid(),
    name         text not null default '' check (length(name) <= 100),
    prefix       text not null,
    hash         bytea not null,
    scopes       text[] not null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    primary key (tenant_id, id),
    unique (tenant_id, hash)
);
alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on api_keys to ${admin_role} using (true) with check (true);

-- The one cross-tenant read of the request path: the admin listing of tenants.
create function admin_list_tenants(p_status text, p_after text, p_limit integer)
    returns setof tenants
    language sql stable security definer set search_path = public, pg_temp
as $$
    select * from tenants
     where (p_status is null or status = p_status)
       and (p_after is null or slug > p_after)
     order by slug
     limit least(greatest(p_limit, 1), 500)
$$;
alter function admin_list_tenants(text, text, integer) owner to ${admin_role};
revoke all on function admin_list_tenants(text, text, integer) from public;
grant execute on function admin_list_tenants(text, text, integer) to ${app_role};

-- Soft-deleted tenants whose retention has run out, for the purge.
create function admin_tenants_due_for_purge(p_retention interval)
    returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
as $$
    select id from tenants where status = 'deleted' and deleted_at < now() - p_retention order by deleted_at
$$;
alter function admin_tenants_due_for_purge(interval) owner to ${admin_role};
revoke all on function admin_tenants_due_for_purge(interval) from public;
grant execute on function admin_tenants_due_for_purge(interval) to ${app_role};
