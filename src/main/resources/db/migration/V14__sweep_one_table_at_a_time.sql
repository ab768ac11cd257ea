-- The sweeper deletes from one table per transaction, so its row locks live only as long as that one statement,
-- which the caller bounds with a statement timeout (CacheSweeper). admin_sweep_expired (all three tables in one
-- transaction) stays for compatibility but is no longer called.
create function admin_sweep_table(p_table text, p_batch integer)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n bigint;
begin
    if p_table = 'cache_entries' then
        with doomed as (
            select c.tenant_id, c.key from cache_entries c
             where c.expires_at <= now()
             order by c.expires_at
             limit p_batch
               for update skip locked)
        delete from cache_entries c using doomed d
         where c.tenant_id = d.tenant_id and c.key = d.key and c.expires_at <= now();
    elsif p_table = 'sessions' then
        with doomed as (
            select s.tenant_id, s.id from sessions s
             where s.expires_at <= now()
             order by s.expires_at
             limit p_batch
               for update skip locked)
        delete from sessions s using doomed d
         where s.tenant_id = d.tenant_id and s.id = d.id and s.expires_at <= now();
    elsif p_table = 'rate_limits' then
        with doomed as (
            select r.tenant_id, r.key from rate_limits r
             where r.tat <= now()
             order by r.tat
             limit p_batch
               for update skip locked)
        delete from rate_limits r using doomed d
         where r.tenant_id = d.tenant_id and r.key = d.key and r.tat <= now();
    else
        raise exception 'admin_sweep_table: unknown table %', p_table using errcode = '22023';
    end if;
    get diagnostics n = row_count;
    return n;
end
$$;
alter function admin_sweep_table(text, integer) owner to ${admin_role};
revoke all on function admin_sweep_table(text, integer) from public;
grant execute on function admin_sweep_table(text, integer) to ${app_role};
