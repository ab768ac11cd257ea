-- The sweeper deletes from one table per transaction, so its row locks live only as long as that one statement,
-- which the caller bounds with a statement timeout (CacheSweeper). It replaces admin_sweep_expired, which swept all
-- three tables in one transaction.
create function admin_sweep_table(p_table text, p_batch integer)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    key_column text;
    time_column text;
    n bigint;
begin
    case p_table
        when 'cache_entries' then key_column := 'key'; time_column := 'expires_at';
        when 'sessions' then key_column := 'id'; time_column := 'expires_at';
        when 'rate_limits' then key_column := 'key'; time_column := 'tat';
        else raise exception 'admin_sweep_table: unknown table %', p_table using errcode = '22023';
    end case;
    -- identifiers from the list above only; the batch size is a parameter
    execute format('with doomed as (
                        select t.tenant_id, t.%2$I as k from %1$I t
                         where t.%3$I <= now()
                         order by t.%3$I
                         limit $1
                           for update skip locked)
                    delete from %1$I t using doomed d
                     where t.tenant_id = d.tenant_id and t.%2$I = d.k and t.%3$I <= now()',
                   p_table, key_column, time_column)
        using p_batch;
    get diagnostics n = row_count;
    return n;
end
$$;
alter function admin_sweep_table(text, integer) owner to ${admin_role};
revoke all on function admin_sweep_table(text, integer) from public;
grant execute on function admin_sweep_table(text, integer) to ${app_role};

drop function admin_sweep_expired(integer);
