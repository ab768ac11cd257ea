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

    /** ob_, 32 lower-case hex digits, _, 43 base64url characters: checked by hand, as every request parses its key. */
    private static final int HEX_END = 35;
    private static final int LENGTH = HEX_END + 1 + 43;
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(ApiKeys::newDigest);
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
        Parsed last = LAST.get();
        if (last != null && sameKey(last.key, key)) {
            return last.presented;
        }
        if (!wellFormed(key)) {
            return Optional.empty();
        }
        UUID tenant = new UUID(HexFormat.fromHexDigitsToLong(key, 3, 19), HexFormat.fromHexDigitsToLong(key, 19, HEX_END));
        Optional<Presented> presented = Optional.of(new Presented(tenant, sha256(key.getBytes(StandardCharsets.US_ASCII))));
        LAST.set(new Parsed(key, presented));
        return presented;
    }

    /**
     * The last well-formed key parsed on this thread and its hash: an event loop sees the same few keys request after
     * request, and the parse and SHA-256 are a pure function of the key, so this only saves work (whether the key is
     * known, revoked or expired is still asked of the key cache for every request).
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    private record Parsed(String key, Optional<Presented> presented) {
    }

    private static final ThreadLocal<Parsed> LAST = new ThreadLocal<>();

    /** Equal keys, in a time that does not tell how much of another caller's key a guess got right. */
    private static boolean sameKey(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < a.length(); i++) {
            diff |= a.charAt(i) ^ b.charAt(i);
        }
        return diff == 0;
    }

    private static boolean wellFormed(String key) {
        if (key.length() != LENGTH || !key.startsWith("ob_") || key.charAt(HEX_END) != '_') {
            return false;
        }
        for (int i = 3; i < HEX_END; i++) {
            char c = key.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        for (int i = HEX_END + 1; i < LENGTH; i++) {
            char c = key.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    public static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data);
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
