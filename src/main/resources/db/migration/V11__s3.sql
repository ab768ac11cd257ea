-- The S3 endpoint (docs/s3.md). Objects are the tenant's files; these tables hold only what S3 adds: access keys,
-- buckets (names unique per tenant: a bucket is a top-level folder of the tenant's files), the S3 view of an
-- object version (its MD5 ETag and headers), and multipart uploads in progress (their parts are files under the
-- hidden folder ".s3-uploads/<upload id>/").

create table s3_keys (
    tenant_id     uuid not null references tenants (id) on delete cascade,
    id            uuid not null default gen_random_uuid(),
    access_key_id text not null,
    name          text not null default '' check (length(name) <= 100),
    -- AES-GCM (12-byte nonce, then ciphertext and tag) under onebase.s3.secret-key: SigV4 needs the secret itself
    secret        bytea not null,
    scopes        text[] not null,
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    primary key (tenant_id, id),
    unique (tenant_id, access_key_id)
);
alter table s3_keys enable row level security;
alter table s3_keys force row level security;
create policy tenant_isolation on s3_keys
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on s3_keys to ${admin_role} using (true) with check (true);

create table s3_buckets (
    tenant_id  uuid not null references tenants (id) on delete cascade,
    name       text not null check (name ~ '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'),
    cors       text,
    created_at timestamptz not null default now(),
    primary key (tenant_id, name)
);
alter table s3_buckets enable row level security;
alter table s3_buckets force row level security;
create policy tenant_isolation on s3_buckets
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on s3_buckets to ${admin_role} using (true) with check (true);

-- Valid for one version of one file with this content only (sha256 must still match): a file overwritten through
-- /api/v1/files gets no S3 metadata, and its ETag is then its SHA-256.
create table s3_object_meta (
    tenant_id  uuid not null,
    file_id    uuid not null,
    version    integer not null,
    sha256     bytea not null,
    etag       text not null,
    headers    jsonb not null default '{}',
    user_meta  jsonb not null default '{}',
    primary key (tenant_id, file_id, version),
    foreign key (tenant_id, file_id) references files (tenant_id, id) on delete cascade
);
alter table s3_object_meta enable row level security;
alter table s3_object_meta force row level security;
create policy tenant_isolation on s3_object_meta
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on s3_object_meta to ${admin_role} using (true) with check (true);

create table s3_uploads (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    id           uuid not null default gen_random_uuid(),
    bucket       text not null,
    key          text not null,
    content_type text not null,
    headers      jsonb not null default '{}',
    user_meta    jsonb not null default '{}',
    created_at   timestamptz not null default now(),
    primary key (tenant_id, id)
);
create index s3_uploads_created on s3_uploads (created_at);
alter table s3_uploads enable row level security;
alter table s3_uploads force row level security;
create policy tenant_isolation on s3_uploads
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on s3_uploads to ${admin_role} using (true) with check (true);

create table s3_parts (
    tenant_id   uuid not null,
    upload_id   uuid not null,
    part_number integer not null check (part_number between 1 and 10000),
    size        bigint not null,
    md5         bytea not null,
    created_at  timestamptz not null default now(),
    primary key (tenant_id, upload_id, part_number),
    foreign key (tenant_id, upload_id) references s3_uploads (tenant_id, id) on delete cascade
);
alter table s3_parts enable row level security;
alter table s3_parts force row level security;
create policy tenant_isolation on s3_parts
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on s3_parts to ${admin_role} using (true) with check (true);

-- Multipart uploads started before the cut-off, across tenants, for the clean-up job (which then removes each one
-- inside its tenant's transaction).
create function admin_s3_stale_uploads(p_age interval, p_limit integer)
    returns table (tenant_id uuid, id uuid)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select u.tenant_id, u.id from s3_uploads u
     where u.created_at < now() - p_age
     order by u.created_at
     limit least(greatest(p_limit, 1), 10000)
$$;
alter function admin_s3_stale_uploads(interval, integer) owner to ${admin_role};
revoke all on function admin_s3_stale_uploads(interval, integer) from public;
grant execute on function admin_s3_stale_uploads(interval, integer) to ${app_role};
