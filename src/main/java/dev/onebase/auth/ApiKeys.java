package dev.onebase.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API keys look like {@code ob_<tenant id, 32 hex>_<256 random bits, base64url>}. The tenant id in the key tells
 * which tenant to scope the lookup to, so authentication itself runs under Row-Level Security; only the SHA-256
 * of the whole key is stored (the key has full entropy, so a slow password hash would add nothing).
 */
public final class ApiKeys {

    public static final String SCOPE_READ = "read";
    public static final String SCOPE_WRITE = "write";
    public static final String SCOPE_MANAGE = "manage";
    public static final List<String> ALL_SCOPES = List.of(SCOPE_READ, SCOPE_WRITE, SCOPE_MANAGE);

    private static final Pattern FORMAT = Pattern.compile("ob_([0-9a-f]{32})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A key as presented by a client. */
    public record Presented(UUID tenantId, byte[] hash) {
    }

    /** A freshly made key: the secret is shown once and never stored. */
    public record Minted(String secret, String prefix, byte[] hash) {
    }

    public static Minted mint(UUID tenantId) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = "ob_" + tenantId.toString().replace("-", "") + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new Minted(secret, secret.substring(0, 3) + secret.substring(36, 44), sha256(secret.getBytes(StandardCharsets.US_ASCII)));
    }

    public static Optional<Presented> parse(String key) {
        Matcher m = FORMAT.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        String hex = m.group(1);
        UUID tenant = new UUID(HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32));
        return Optional.of(new Presented(tenant, sha256(key.getBytes(StandardCharsets.US_ASCII))));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
