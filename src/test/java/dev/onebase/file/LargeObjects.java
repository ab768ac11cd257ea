package dev.onebase.file;

import dev.onebase.testsupport.Db;

/** The large objects behind the files, which a user cannot see through HTTP: they must go when their rows go. */
final class LargeObjects {

    private LargeObjects() {
    }

    /** How many large objects the service keeps: owned by the admin role (V9), or by the request role (before it). */
    static long ofTheService() {
        return Db.count("select count(*) from pg_largeobject_metadata where lomowner in (select oid from pg_roles where rolname in (?, 'onebase_admin'))",
                Db.appRole());
    }

    /** How many large objects the request role owns itself (it could read them with no tenant set): none. */
    static long ofTheRequestRole() {
        return Db.count("select count(*) from pg_largeobject_metadata where lomowner = (select oid from pg_roles where rolname = ?)",
                Db.appRole());
    }

    static boolean exists(long oid) {
        return Db.count("select count(*) from pg_largeobject_metadata where oid = ?::oid", oid) == 1;
    }
}
