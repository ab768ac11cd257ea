package dev.onebase.db;

/** The three roles of onebase's database: a superuser (embedded only), the owner that migrates, the request role. */
public record DatabaseCredentials(String superuser, String superuserPassword, String ownerUser, String ownerPassword,
        String appUser, String appPassword) {
}
