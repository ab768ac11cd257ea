-- Every change of a feature flag: who made it (the API key, or the admin credential when key_id is null and
-- actor is 'admin'), when, and the flag before and after as the API shows it (null before: created; null after:
-- deleted). Rows outlive the flag they describe and go with their tenant.
create table feature_flag_history (
    tenant_id  uuid not null references tenants (id) on delete cascade,
    id         bigint generated always as identity,
    flag_key   text not null,
    actor      text not null check (actor in ('api-key', 'admin')),
    key_id     uuid,
    changed_at timestamptz not null default now(),
    before     jsonb,
    after      jsonb,
    primary key (tenant_id, id),
    check (before is not null or after is not null)
);
create index feature_flag_history_key on feature_flag_history (tenant_id, flag_key, id);
alter table feature_flag_history enable row level security;
alter table feature_flag_history force row level security;
create policy tenant_isolation on feature_flag_history
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on feature_flag_history to ${admin_role} using (true) with check (true);
