package dev.onebase.resp;

/** A command's refusal, as a Redis error reply: the message starts with its code (ERR, WRONGTYPE, NOPERM, ...). */
final class RespError extends RuntimeException {

    RespError(String message) {
        super(message, null, false, false);
    }

    static RespError err(String detail) {
        return new RespError("ERR " + detail);
    }

    static RespError syntax() {
        return err("syntax error");
    }

    static RespError notInteger() {
        return err("value is not an integer or out of range");
    }

    static RespError wrongArity(String command) {
        return err("wrong number of arguments for '" + command + "' command");
    }

    static RespError invalidExpire(String command) {
        return err("invalid expire time in '" + command + "' command");
    }
}
