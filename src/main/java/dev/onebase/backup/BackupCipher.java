package dev.onebase.backup;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of backup files ({@code onebase.backup.encryption-key}): AES-256-GCM over 1 MiB chunks, so files
 * of any size stream through a fixed buffer. Layout: the magic {@code ONEBASE-ENC1}, an 8-byte random file nonce, then
 * per chunk its length (4 bytes) and its ciphertext with the 16-byte tag. Chunk i is sealed under nonce (file nonce, i)
 * with the additional data "last chunk or not", so chunks cannot be reordered, dropped or cut off unnoticed.
 */
public final class BackupCipher {

    private static final byte[] MAGIC = "ONEBASE-ENC1".getBytes(StandardCharsets.US_ASCII);
    private static final int CHUNK = 1 << 20;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private BackupCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** The cipher of a base64 key of 32 bytes ({@code openssl rand -base64 32}); empty when no key is configured. */
    public static Optional<BackupCipher> fromBase64(Optional<String> key) {
        if (key.isEmpty() || key.get().isBlank()) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(key.get().trim());
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new BackupException("onebase.backup.encryption-key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
        }
        return Optional.of(new BackupCipher(raw));
    }

    public static boolean isEncrypted(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < MAGIC.length) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        }
    }

    /** Replaces {@code file} by its encryption (through a temporary file beside it). */
    public void encryptInPlace(Path file) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".enc.tmp");
        try (InputStream in = Files.newInputStream(file); DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
            byte[] fileNonce = new byte[8];
            RANDOM.nextBytes(fileNonce);
            out.write(MAGIC);
            out.write(fileNonce);
            byte[] chunk = in.readNBytes(CHUNK);
            int index = 0;
            while (true) {
                byte[] next = in.readNBytes(CHUNK);
                boolean last = next.length == 0;
                byte[] sealed = cipher(Cipher.ENCRYPT_MODE, fileNonce, index++, last).doFinal(chunk);
                out.writeInt(sealed.length);
                out.write(sealed);
                if (last) {
                    break;
                }
                chunk = next;
            }
        } catch (GeneralSecurityException e) {
            Files.deleteIfExists(tmp);
            throw new BackupException("cannot encrypt " + file + ": " + e.getMessage(), e);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Decrypts {@code in} into {@code out}; a wrong key, a damaged or a cut-off file fails with what is wrong. */
    public void decrypt(Path in, Path out) throws IOException {
        try (OutputStream dst = Files.newOutputStream(out)) {
            decrypt(in, dst);
        }
    }

    /** Decrypts {@code in} into {@code dst} (a null stream only authenticates it). */
    public void decrypt(Path in, OutputStream dst) throws IOException {
        try (PushbackInputStream ahead = new PushbackInputStream(new BufferedInputStream(Files.newInputStream(in), 1 << 16));
                DataInputStream src = new DataInputStream(ahead)) {
            if (!Arrays.equals(src.readNBytes(MAGIC.length), MAGIC)) {
                throw new BackupException(in + " is not an encrypted backup file");
            }
            byte[] fileNonce = src.readNBytes(8);
            for (int index = 0;; index++) {
                int length;
                try {
                    length = src.readInt();
                } catch (EOFException e) {
                    throw new BackupException("cannot decrypt " + in + ": the file is cut off");
                }
                if (length < TAG_BITS / 8 || length > CHUNK + TAG_BITS / 8) {
                    throw new BackupException("cannot decrypt " + in + ": damaged file");
                }
                byte[] sealed = src.readNBytes(length);
                if (sealed.length < length) {
                    throw new BackupException("cannot decrypt " + in + ": the file is cut off");
                }
                int peek = ahead.read();
                boolean last = peek < 0;
                if (!last) {
                    ahead.unread(peek);
                }
                try {
                    dst.write(cipher(Cipher.DECRYPT_MODE, fileNonce, index, last).doFinal(sealed));
                } catch (AEADBadTagException e) {
                    throw new BackupException("cannot decrypt " + in + ": wrong onebase.backup.encryption-key, or a damaged or cut-off file");
                }
                if (last) {
                    return;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new BackupException("cannot decrypt " + in + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code file} itself when it is not encrypted, else its decryption under {@code scratch} (the caller deletes it);
     * an encrypted file without a key fails clearly.
     */
    public static Path readable(Path file, Optional<BackupCipher> cipher, Path scratch) throws IOException {
        if (!isEncrypted(file)) {
            return file;
        }
        BackupCipher c = cipher.orElseThrow(() -> new BackupException(file + " is encrypted: set onebase.backup.encryption-key "
                + "(ONEBASE_BACKUP_ENCRYPTION_KEY) to the key it was written with"));
        Files.createDirectories(scratch);
        Path plain = scratch.resolve(file.getFileName() + ".plain");
        c.decrypt(file, plain);
        return plain;
    }

    private Cipher cipher(int mode, byte[] fileNonce, int index, boolean last) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] nonce = ByteBuffer.allocate(12).put(fileNonce).putInt(index).array();
        c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(new byte[] { (byte) (last ? 1 : 0) });
        return c;
    }
}
