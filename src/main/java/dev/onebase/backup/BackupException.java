package dev.onebase.backup;

/** A backup, verification or restore that did not succeed; the message says what the tool printed. */
public class BackupException extends RuntimeException {

    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What went wrong, in words: the message, or the exception's name when it has none. */
    static String messageOf(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
