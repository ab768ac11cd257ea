package dev.onebase.resp;

import org.jboss.logging.Logger;

import dev.onebase.web.ProblemException;

/** Every failure as the error reply a Redis client shows: Redis's own prefixes, the problem's detail as the text. */
final class RespErrors {

    private static final Logger LOG = Logger.getLogger(RespErrors.class);

    private RespErrors() {
    }

    static Reply reply(Throwable failure) {
        if (failure instanceof RespError e) {
            return Reply.error(e.getMessage());
        }
        if (failure instanceof dev.onebase.cache.CacheStore.WrongType) {
            return Reply.error(dev.onebase.cache.CacheStore.WrongType.MESSAGE);
        }
        if (failure instanceof ProblemException p) {
            String prefix = switch (p.status()) {
                case 401 -> "NOAUTH ";
                case 403 -> "NOPERM ";
                case 507 -> "OOM ";
                case 503 -> "TRYAGAIN ";
                default -> "ERR ";
            };
            return Reply.error(prefix + p.getMessage());
        }
        LOG.error("RESP command failed", failure);
        return Reply.error("ERR internal error (the server log has the details)");
    }
}
