package dev.onebase.db;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * At start-up, as the request role itself: the role cannot bypass Row-Level Security, every table holding tenant
 * data has RLS enabled and forced with a policy on {@code app.tenant_id}, and large objects (outside RLS) are out of
 * its reach: it owns none, none is granted to it, and it gets to them only through the checked {@code file_lo_*}
 * functions. Each dedicated tenant schema ({@code tenant_<id>}, docs/tenants.md#placement) is checked the same way:
 * owned by the shared tables' owner, nothing the request role may create there, RLS enabled and forced with a policy
 * on {@code app.tenant_id} on every table, no grant its shared table lacks, no stray object. Any finding stops the
 * service.
 */
@ApplicationScoped
public class RlsAudit {

    private static final Logger LOG = Logger.getLogger(RlsAudit.class);

    /** One row per problem found; no rows means the request role is fenced. Runs as the role under audit. */
    public static final String QUERY = """
            select format('the request role %I is a superuser', rolname) from pg_roles where rolname = current_user and rolsuper
            union all
            select format('the request role %I has BYPASSRLS', rolname) from pg_roles where rolname = current_user and rolbypassrls
            union all
            select format('the request role is a member of %I, which is a superuser, has BYPASSRLS or owns tables', r.rolname)
              from pg_roles r
             where r.rolname <> current_user and pg_has_role(current_user, r.oid, 'MEMBER')
               and (r.rolsuper or r.rolbypassrls or r.rolname = 'onebase_admin'
                    or exists (select 1 from pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace))
            union all
            select format('the request role owns %I', c.relname)
              from pg_class c
             where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
               and c.relowner = (select oid from pg_roles where rolname = current_user)
            union all
            select format('table %I holds tenant data but %s', t.relname,
                          concat_ws(', ',
                              case when not t.relrowsecurity then 'row-level security is not enabled' end,
                              case when not t.relforcerowsecurity then 'row-level security is not forced' end,
                              case when not exists (select 1 from pg_policy p where p.polrelid = t.oid
                                                       and pg_get_expr(p.polqual, p.polrelid) like '%app.tenant_id%')
                                   then 'no policy reads app.tenant_id' end))
              from pg_class t
             where t.relnamespace = 'public'::regnamespace and t.relkind in ('r', 'p')
               and (t.relname = 'tenants'
                    or exists (select 1 from pg_attribute a where a.attrelid = t.oid and a.attname = 'tenant_id' and not a.attisdropped))
               and (not t.relrowsecurity or not t.relforcerowsecurity
                    or not exists (select 1 from pg_policy p where p.polrelid = t.oid
                                      and pg_get_expr(p.polqual, p.polrelid) like '%app.tenant_id%'))
            union all
            select format('materialized view %I holds tenant data and the request role can read it directly', m.relname)
              from pg_class m
             where m.relnamespace = 'public'::regnamespace and m.relkind = 'm'
               and exists (select 1 from pg_attribute a where a.attrelid = m.oid and a.attname = 'tenant_id' and not a.attisdropped)
               and has_table_privilege(m.oid, 'SELECT')
            union all
            select format('the request role owns %s large objects (it could read them with no tenant set); '
                          || 'hand them to onebase_admin: alter large object <oid> owner to onebase_admin', count(*))
              from pg_largeobject_metadata where lomowner = (select oid from pg_roles where rolname = current_user)
            having count(*) > 0
            union all
            select format('%s large objects grant access to the request role or to PUBLIC', count(distinct m.oid))
              from pg_largeobject_metadata m, aclexplode(m.lomacl) a
             where a.grantee = 0 or pg_has_role(current_user, a.grantee, 'MEMBER')
            having count(*) > 0
            union all
            select 'lo_compat_privileges is on: every role may read and write every large object' where current_setting('lo_compat_privileges') = 'on'
            union all
            select format('the request role can write the large-object registry %I directly', 'file_large_objects')
             where to_regclass('public.file_large_objects') is not null
               and (has_table_privilege('public.file_large_objects', 'INSERT') or has_table_privilege('public.file_large_objects', 'UPDATE'))
            union all
            select format('function %s reaches large objects but is not a SECURITY DEFINER function of onebase_admin', p.oid::regprocedure)
              from pg_proc p
             where p.pronamespace = 'public'::regnamespace and p.proname like 'file\\_lo\\_%'
               and (not p.prosecdef or p.proowner <> (select oid from pg_roles where rolname = 'onebase_admin'))
            union all
            select format('dedicated tenant schema %I: %s', n.nspname, x.problem)
              from pg_namespace n, lateral (
                select 'owned by ' || pg_get_userbyid(n.nspowner) || ', not by the owner of the shared tables' as problem
                 where n.nspowner <> (select relowner from pg_class where oid = to_regclass('public.tenants'))
                union all
                select 'the request role may create objects in it' where has_schema_privilege(n.oid, 'CREATE')
                union all
                select format('%I is owned by %s, not by the owner of the shared tables', c.relname, pg_get_userbyid(c.relowner))
                  from pg_class c where c.relnamespace = n.oid and c.relkind in ('r', 'p', 'v', 'm', 'S')
                   and c.relowner <> (select relowner from pg_class where oid = to_regclass('public.tenants'))
                union all
                select format('table %I: row-level security is not enabled and forced, or no policy reads app.tenant_id', c.relname)
                  from pg_class c where c.relnamespace = n.oid and c.relkind in ('r', 'p')
                   and (not c.relrowsecurity or not c.relforcerowsecurity
                        or not exists (select 1 from pg_policy p where p.polrelid = c.oid and pg_get_expr(p.polqual, p.polrelid) like '%app.tenant_id%'))
                union all
                select format('table %I grants %s to %s, which its shared table does not', c.relname, a.privilege_type,
                              case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end)
                  from pg_class c, aclexplode(c.relacl) a
                 where c.relnamespace = n.oid and c.relkind in ('r', 'p') and a.grantee <> c.relowner
                   and not exists (select 1 from aclexplode((select s.relacl from pg_class s where s.relnamespace = 'public'::regnamespace
                                                               and s.relname = c.relname)) b
                                    where b.grantee = a.grantee and b.privilege_type = a.privilege_type)
                union all
                select format('%s %I is not a tenant table of the shared schema', case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                              when 'S' then 'sequence' else 'relation' end, c.relname)
                  from pg_class c where c.relnamespace = n.oid and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
                   and not (c.relkind in ('r', 'p') and exists (select 1 from pg_class s where s.relnamespace = 'public'::regnamespace
                                                                  and s.relname = c.relname and s.relkind in ('r', 'p')))
                   and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')))
                union all
                select format('function %s does not belong in a tenant schema', p.oid::regprocedure) from pg_proc p where p.pronamespace = n.oid
              ) x
             where n.nspname ~ '^tenant_[0-9a-f]{32}$'
            """;

    private final Pool pool;
    private final StartupWork startup;

    public RlsAudit(Pool pool, StartupWork startup) {
        this.pool = pool;
        this.startup = startup;
    }

    void onStart(@Observes StartupEvent event) {
        List<String> problems = new ArrayList<>();
        // bounded by the start-up deadline, not by the request path's pool wait (StartupWork)
        startup.await("the Row-Level Security audit", () -> pool.query(QUERY).execute()).forEach(r -> problems.add(r.getString(0)));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Row-Level Security audit failed, refusing to serve: " + String.join("; ", problems));
        }
        LOG.info("Row-Level Security audit passed: the request role is fenced on every tenant table");
    }
}
