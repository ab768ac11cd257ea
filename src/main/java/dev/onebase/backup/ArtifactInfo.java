package dev.onebase.backup;

import java.time.Instant;
import java.util.Map;

/**
 * What onebase.json beside an artifact says: enough to verify and restore it without the database (point-in-time
 * recovery runs when the database is gone). {@code files} maps each file name to its SHA-256.
 */
public record ArtifactInfo(long id, String kind, Instant startedAt, Instant finishedAt, String startLsn, String endLsn,
        int timeline, long sizeBytes, String checksum, Map<String, String> files, Map<String, Long> rowCounts) {
}
