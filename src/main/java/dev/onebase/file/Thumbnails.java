package dev.onebase.file;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.UUID;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.TenantTx;
import dev.onebase.file.FileRecords.Stored;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Thumbnails of PNG and JPEG files, made on first request and kept in {@code file_derivatives} keyed by the source
 * version and the requested box, so later requests (and their ETags) are stable. Decoding is subsampled, so even
 * a large image is decoded at about twice the thumbnail's size, and it runs on a worker thread.
 */
@ApplicationScoped
public class Thumbnails {

    private final TenantTx tx;
    private final FileStore store;
    private final Pool pool;
    private final FileConfig config;

    public Thumbnails(TenantTx tx, FileStore store, Pool pool, FileConfig config) {
        this.tx = tx;
        this.store = store;
        this.pool = pool;
        this.config = config;
    }

    public Uni<Stored> get(UUID tenant, UUID id, Integer w, Integer h) {
        int bw = w == null ? config.thumbnailMaxSize() : w;
        int bh = h == null ? config.thumbnailMaxSize() : h;
        String kind = "thumbnail:" + bw + "x" + bh;
        return store.stored(tenant, id, null).flatMap(source -> {
            String base = ContentTypes.base(source.contentType());
            if (!base.equals(ContentTypes.PNG) && !base.equals(ContentTypes.JPEG)) {
                throw ProblemException.unprocessable("Thumbnails are made of PNG and JPEG images only (this file is " + base + ")");
            }
            return tx.statement(tenant, "select content_type, size, sha256, content from file_derivatives where file_id = $1 and source_version = $2 and kind = $3",
                    Tuple.of(id, source.version(), kind)).flatMap(rows -> {
                        var it = rows.iterator();
                        if (it.hasNext()) {
                            var r = it.next();
                            return Uni.createFrom().item(new Stored(id, thumbName(source.name(), base), r.getString("content_type"), r.getLong("size"),
                                    r.getBuffer("sha256").getBytes(), "bytea", r.getBuffer("content").getDelegate(), null, source.version(), tenant));
                        }
                        return make(tenant, source, base, bw, bh, kind);
                    });
        });
    }

    private Uni<Stored> make(UUID tenant, Stored source, String type, int w, int h, String kind) {
        if (source.size() > config.thumbnailMaxSource().asLongValue()) {
            throw ProblemException.unprocessable("Thumbnails are made of images up to " + config.thumbnailMaxSource().asLongValue() + " bytes");
        }
        return bytes(source)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(bytes -> scale(bytes, type, w, h))
                .flatMap(thumb -> {
                    byte[] sha = sha256(thumb);
                    return tx.statement(tenant, """
                            insert into file_derivatives (tenant_id, file_id, source_version, kind, content_type, size, sha256, content)
                            values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing
                            """, Tuple.tuple().addValue(tenant).addValue(source.id()).addValue(source.version()).addValue(kind).addValue(type)
                            .addValue((long) thumb.length).addValue(Buffer.buffer(sha)).addValue(Buffer.buffer(thumb)))
                            .map(x -> new Stored(source.id(), thumbName(source.name(), type), type, thumb.length, sha, "bytea", Buffer.buffer(thumb),
                                    null, source.version(), tenant));
                });
    }

    /** The whole source, read in chunks from its large object when it has one. */
    private Uni<byte[]> bytes(Stored s) {
        if (s.content() != null) {
            return Uni.createFrom().item(s.content().getBytes());
        }
        if (!s.streamed()) {
            throw ProblemException.unprocessable("The file's content is stored elsewhere");
        }
        int chunk = (int) config.chunkSize().asLongValue();
        return pool.withConnection(conn -> {
            byte[] out = new byte[(int) s.size()];
            Uni<Integer> chain = Uni.createFrom().item(0);
            for (long off = 0; off < s.size(); off += chunk) {
                long at = off;
                int n = (int) Math.min(chunk, s.size() - off);
                chain = chain.flatMap(x -> ChunkReader.read(conn, s, at, n).map(b -> {
                    b.getBytes(0, b.length(), out, (int) at);
                    return b.length();
                }));
            }
            return chain.map(x -> out);
        });
    }

    byte[] scale(byte[] bytes, String type, int w, int h) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw Downloads.notAnImage();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int sw = reader.getWidth(0);
                int sh = reader.getHeight(0);
                if (sw <= 0 || sh <= 0 || (long) sw * sh > config.thumbnailMaxPixels()) {
                    throw ProblemException.unprocessable("Thumbnails are made of images up to " + config.thumbnailMaxPixels() + " pixels");
                }
                double factor = Math.min(1.0, Math.min((double) w / sw, (double) h / sh));
                int tw = Math.max(1, (int) Math.round(sw * factor));
                int th = Math.max(1, (int) Math.round(sh * factor));
                ImageReadParam param = reader.getDefaultReadParam();
                int sub = Math.max(1, (int) Math.min(sw / (2L * tw), sh / (2L * th)));
                param.setSourceSubsampling(sub, sub, 0, 0);
                BufferedImage src = reader.read(0, param);
                boolean alpha = type.equals(ContentTypes.PNG) && src.getColorModel().hasAlpha();
                BufferedImage dst = new BufferedImage(tw, th, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
                Graphics2D g = dst.createGraphics();
                try {
                    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                    g.drawImage(src, 0, 0, tw, th, null);
                } finally {
                    g.dispose();
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                if (!ImageIO.write(dst, type.equals(ContentTypes.PNG) ? "png" : "jpeg", out)) {
                    throw new IllegalStateException("no image writer for " + type);
                }
                return out.toByteArray();
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            if (e instanceof IllegalStateException ise && ise.getMessage() != null && ise.getMessage().startsWith("no image writer")) {
                throw ise;
            }
            throw Downloads.notAnImage();
        }
    }

    private static String thumbName(String name, String type) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem + "-thumbnail" + (type.equals(ContentTypes.PNG) ? ".png" : ".jpg");
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
