package dev.onebase.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps access keys' secrets encrypted at rest: SigV4 needs the secret itself (an HMAC key), so it cannot be stored
 * only hashed. AES-256-GCM under the SHA-256 of {@code onebase.s3.secret-key}; the access key id is the associated
 * data, so a ciphertext copied onto another key's row does not decrypt.
 */
@ApplicationScoped
public class SecretBox {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;

    private final SecretKey key;

    public SecretBox(S3Config config) {
        this.key = config.secretKey().filter(s -> !s.isBlank())
                .map(s -> (SecretKey) new SecretKeySpec(SigV4.sha256(s.getBytes(StandardCharsets.UTF_8)), "AES")).orElse(null);
    }

    boolean configured() {
        return key != null;
    }

    byte[] seal(String secret, String accessKeyId) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, nonce, accessKeyId);
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, NONCE + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The secret, or null when it does not decrypt (another secret-key, or a tampered row). */
    String open(byte[] sealed, String accessKeyId) {
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(sealed, NONCE), accessKeyId);
            return new String(c.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String aad) throws GeneralSecurityException {
        if (key == null) {
            throw new IllegalStateException("onebase.s3.secret-key is not set");
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, key, new GCMParameterSpec(128, nonce));
        c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
        return c;
    }
}
