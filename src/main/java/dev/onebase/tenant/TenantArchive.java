package dev.onebase.tenant;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.onebase.web.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The tar format of a tenant archive, written and read as a stream: ustar headers (a regular file per member), a size
 * up to 8 GiB in octal and beyond that in GNU's base-256 form (which GNU tar and bsdtar read), then the two zero
 * blocks that end an archive. Only what onebase writes is read back: regular files with names up to 100 bytes.
 */
public final class TenantArchive {

    static final int BLOCK = 512;
    private static final long OCTAL_LIMIT = 077777777777L; // 11 octal digits

    private TenantArchive() {
    }

    /** Writes members one after another; the caller gives each member's size up front. */
    public static final class Writer {
        private final OutputStream out;

        public Writer(OutputStream out) {
            this.out = out;
        }

        /** Where a member's content goes, right after its header. */
        public OutputStream stream() {
            return out;
        }

        public void header(String name, long size, long mtimeSeconds) throws IOException {
            byte[] h = new byte[BLOCK];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            if (n.length > 100) {
                throw new IllegalArgumentException("member name over 100 bytes: " + name);
            }
            System.arraycopy(n, 0, h, 0, n.length);
            octal(h, 100, 8, 0600);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            if (size <= OCTAL_LIMIT) {
                octal(h, 124, 12, size);
            } else { // GNU base-256: the high bit of the first byte, then the size big-endian
                h[124] = (byte) 0x80;
                for (int i = 0; i < 8; i++) {
                    h[135 - i] = (byte) (size >>> (8 * i));
                }
            }
            octal(h, 136, 12, mtimeSeconds);
            h[156] = '0';
            byte[] magic = "ustar\00000".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(magic, 0, h, 257, magic.length);
            Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(chk, 0, h, 148, 6);
            h[154] = 0;
            h[155] = ' ';
            out.write(h);
        }

        /** The zero bytes that pad a member of {@code size} bytes to a whole block. */
        public void pad(long size) throws IOException {
            int rest = (int) (size % BLOCK);
            if (rest != 0) {
                out.write(new byte[BLOCK - rest]);
            }
        }

        public void finish() throws IOException {
            out.write(new byte[2 * BLOCK]);
            out.flush();
        }

        private static void octal(byte[] h, int at, int len, long value) {
            String s = Long.toOctalString(value);
            String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
            byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, at, len - 1);
            h[at + len - 1] = 0;
        }
    }

    /** One member being read: its name, size, and a stream of exactly its bytes. */
    @RegisterForReflection
    public record Member(String name, long size, InputStream content) {
    }

    /** Reads members in order; a damaged header or an archive that ends early is a 400. */
    public static final class Reader {
        private final InputStream in;
        private MemberStream current;
        private boolean ended;

        public Reader(InputStream in) {
            this.in = in;
        }

        /** The next member, or null at the archive's end marker. */
        public Member next() throws IOException {
            if (current != null) {
                current.skipRest();
                current = null;
            }
            if (ended) {
                return null;
            }
            byte[] h = new byte[BLOCK];
            readFully(h, "a member header");
            if (allZero(h)) {
                byte[] second = new byte[BLOCK];
                readFully(second, "the end of the archive");
                ended = true;
                return null;
            }
            long stored = parseOctal(h, 148, 8);
            Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            if (sum != stored) {
                throw bad("a member header is damaged (its checksum does not match)");
            }
            if (h[156] != '0' && h[156] != 0) {
                throw bad("the archive holds a member that is not a regular file");
            }
            int end = 0;
            while (end < 100 && h[end] != 0) {
                end++;
            }
            String name = new String(h, 0, end, StandardCharsets.UTF_8);
            long size;
            if ((h[124] & 0x80) != 0) {
                size = 0;
                for (int i = 128; i < 136; i++) {
                    size = (size << 8) | (h[i] & 0xff);
                }
            } else {
                size = parseOctal(h, 124, 12);
            }
            if (size < 0) {
                throw bad("a member header is damaged (negative size)");
            }
            current = new MemberStream(size);
            return new Member(name, size, current);
        }

        private void readFully(byte[] b, String what) throws IOException {
            int off = 0;
            while (off < b.length) {
                int n = in.read(b, off, b.length - off);
                if (n < 0) {
                    throw truncated(what);
                }
                off += n;
            }
        }

        private static boolean allZero(byte[] b) {
            for (byte x : b) {
                if (x != 0) {
                    return false;
                }
            }
            return true;
        }

        private static long parseOctal(byte[] h, int at, int len) {
            long v = 0;
            boolean any = false;
            for (int i = at; i < at + len; i++) {
                byte c = h[i];
                if (c == 0 || c == ' ') {
                    if (any) {
                        break;
                    }
                    continue;
                }
                if (c < '0' || c > '7') {
                    throw bad("a member header is damaged (not a number)");
                }
                v = v * 8 + (c - '0');
                any = true;
            }
            return v;
        }

        private final class MemberStream extends InputStream {
            private long left;
            private final long padding;

            MemberStream(long size) {
                this.left = size;
                this.padding = size % BLOCK == 0 ? 0 : BLOCK - size % BLOCK;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, left));
                if (n < 0) {
                    throw truncated("a member's content");
                }
                left -= n;
                return n;
            }

            void skipRest() throws IOException {
                byte[] buf = new byte[8192];
                while (left > 0) {
                    if (read(buf, 0, (int) Math.min(buf.length, left)) < 0) {
                        break;
                    }
                }
                long pad = padding;
                while (pad > 0) {
                    int n = in.read(buf, 0, (int) pad);
                    if (n < 0) {
                        throw truncated("a member's padding");
                    }
                    pad -= n;
                }
            }
        }
    }

    static ProblemException bad(String detail) {
        return ProblemException.badRequest("Not a readable tenant archive: " + detail);
    }

    static ProblemException truncated(String what) {
        return ProblemException.badRequest("The tenant archive is truncated: it ends inside " + what);
    }
}
