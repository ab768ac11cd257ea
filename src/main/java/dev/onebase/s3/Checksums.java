package dev.onebase.s3;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** The additional checksums S3 clients send ({@code x-amz-checksum-<algorithm>}, in a header or a trailer). */
final class Checksums {

    static final String PREFIX = "x-amz-checksum-";

    private Checksums() {
    }

    /** One running checksum; {@link #base64()} is its value as S3 writes it (big-endian bytes, base64). */
    interface Running {
        void update(ByteBuffer data);

        String base64();
    }

    /** The checksum named by a header such as {@code x-amz-checksum-crc32}, or an error for an unknown one. */
    static Running of(String header) {
        String algorithm = header.toLowerCase(Locale.ROOT).substring(PREFIX.length());
        return switch (algorithm) {
            case "crc32" -> crc(new CRC32(), 4);
            case "crc32c" -> crc(new CRC32C(), 4);
            case "crc64nvme" -> crc(new Crc64Nvme(), 8);
            case "sha1" -> digest("SHA-1");
            case "sha256" -> digest("SHA-256");
            default -> throw S3Error.invalidArgument("Unsupported checksum algorithm: " + algorithm);
        };
    }

    private static Running crc(Checksum c, int bytes) {
        return new Running() {
            @Override
            public void update(ByteBuffer data) {
                c.update(data);
            }

            @Override
            public String base64() {
                ByteBuffer b = ByteBuffer.allocate(8).putLong(c.getValue());
                return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(b.array(), 8 - bytes, 8));
            }
        };
    }

    private static Running digest(String algorithm) {
        MessageDigest d = SigV4.digest(algorithm);
        return new Running() {
            @Override
            public void update(ByteBuffer data) {
                d.update(data);
            }

            @Override
            public String base64() {
                return Base64.getEncoder().encodeToString(d.digest());
            }
        };
    }

    /** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, initial and final value all ones). */
    static final class Crc64Nvme implements Checksum {
        private static final long[] TABLE = new long[256];

        static {
            for (int i = 0; i < 256; i++) {
                long c = i;
                for (int k = 0; k < 8; k++) {
                    c = (c & 1) != 0 ? (c >>> 1) ^ 0x9a6c9329ac4bc9b5L : c >>> 1;
                }
                TABLE[i] = c;
            }
        }

        private long crc = -1L;

        @Override
        public void update(int b) {
            crc = TABLE[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
        }

        @Override
        public void update(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                update(b[i]);
            }
        }

        @Override
        public void update(ByteBuffer buffer) {
            while (buffer.hasRemaining()) {
                update(buffer.get());
            }
        }

        @Override
        public long getValue() {
            return ~crc;
        }

        @Override
        public void reset() {
            crc = -1L;
        }
    }
}
