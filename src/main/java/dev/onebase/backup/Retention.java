package dev.onebase.backup;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The retention decision, a pure function: which backups stay, which go, and from which LSN on WAL is kept.
 * Per kind, among verified backups: the newest of each of the last N days, N ISO weeks and N months that have one;
 * the newest verified backup of a kind is never deleted; unverified ones newer than it stay (they may still be
 * running or awaiting a check), older unverified ones go. The daily count is also a recoverable window: the full copy
 * that point-in-time recovery to the window's first moment starts from (the newest verified one started by then, else
 * the oldest) is kept too, even when a newer copy the same day would have replaced it. WAL is kept back to the oldest
 * retained full copy's start, so every moment since it stays reachable.
 */
public final class Retention {

    private Retention() {
    }

    public record Policy(int daily, int weekly, int monthly) {
    }

    public record Item(long id, String kind, Instant startedAt, boolean verified, String startLsn) {
    }

    /** {@code walKeepFromLsn} is null when no full copy is retained (then no WAL is deleted). */
    public record Decision(Set<Long> keep, Set<Long> delete, String walKeepFromLsn) {
    }

    /** The decision as of the newest backup's start. */
    public static Decision decide(List<Item> items, Policy policy, ZoneId zone) {
        return decide(items, policy, zone, items.stream().map(Item::startedAt).max(Comparator.naturalOrder()).orElse(Instant.EPOCH));
    }

    public static Decision decide(List<Item> items, Policy policy, ZoneId zone, Instant now) {
        Set<Long> keep = new LinkedHashSet<>();
        Map<String, List<Item>> byKind = items.stream().collect(Collectors.groupingBy(Item::kind));
        for (List<Item> ofKind : byKind.values()) {
            List<Item> newestFirst = new ArrayList<>(ofKind);
            newestFirst.sort(Comparator.comparing(Item::startedAt).reversed().thenComparing(Comparator.comparingLong(Item::id).reversed()));
            List<Item> verified = newestFirst.stream().filter(Item::verified).toList();
            keepNewestPerBucket(verified, policy.daily(), i -> day(i, zone), keep);
            keepNewestPerBucket(verified, policy.weekly(), i -> {
                LocalDate d = day(i, zone);
                return d.get(IsoFields.WEEK_BASED_YEAR) * 100L + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            }, keep);
            keepNewestPerBucket(verified, policy.monthly(), i -> YearMonth.from(day(i, zone)), keep);
            if (!verified.isEmpty() && "full".equals(verified.get(0).kind())) {
                Instant windowStart = now.atZone(zone).toLocalDate().minusDays(Math.max(0, policy.daily() - 1)).atStartOfDay(zone)
                        .toInstant();
                keep.add(verified.stream().filter(i -> !i.startedAt().isAfter(windowStart)).findFirst()
                        .orElse(verified.get(verified.size() - 1)).id());
            }
            if (!verified.isEmpty()) {
                Item newestVerified = verified.get(0);
                keep.add(newestVerified.id());
                newestFirst.stream().filter(i -> !i.verified() && i.startedAt().isAfter(newestVerified.startedAt()))
                        .forEach(i -> keep.add(i.id()));
            } else {
                newestFirst.forEach(i -> keep.add(i.id())); // nothing verified yet: delete nothing of this kind
            }
        }
        Set<Long> delete = new HashSet<>();
        items.forEach(i -> {
            if (!keep.contains(i.id())) {
                delete.add(i.id());
            }
        });
        String walFrom = items.stream().filter(i -> "full".equals(i.kind()) && i.verified() && keep.contains(i.id()) && i.startLsn() != null)
                .min(Comparator.comparing(Item::startedAt)).map(Item::startLsn).orElse(null);
        return new Decision(keep, delete, walFrom);
    }

    private static LocalDate day(Item i, ZoneId zone) {
        return i.startedAt().atZone(zone).toLocalDate();
    }

    private static void keepNewestPerBucket(List<Item> newestFirst, int n, Function<Item, Object> bucket, Set<Long> keep) {
        Set<Object> seen = new HashSet<>();
        for (Item i : newestFirst) {
            if (seen.size() >= n && !seen.contains(bucket.apply(i))) {
                break;
            }
            if (seen.add(bucket.apply(i))) {
                keep.add(i.id());
            }
        }
    }

    /** Parses "X/Y" into a 64-bit position. */
    public static long lsn(String lsn) {
        String[] p = lsn.split("/");
        return (Long.parseLong(p[0], 16) << 32) | Long.parseLong(p[1], 16);
    }

    /**
     * Whether a WAL file from the archive may be deleted: complete or partial segments wholly before the segment
     * holding {@code keepFromLsn}; timeline history files are always kept.
     */
    public static boolean walDeletable(String fileName, String keepFromLsn, long segmentSize) {
        if (keepFromLsn == null || !fileName.matches("[0-9A-F]{24}(\\.partial)?")) {
            return false;
        }
        long segsPerXlogId = 0x100000000L / segmentSize;
        long log = Long.parseLong(fileName.substring(8, 16), 16);
        long seg = Long.parseLong(fileName.substring(16, 24), 16);
        long segno = log * segsPerXlogId + seg;
        long keepSegno = lsn(keepFromLsn) / segmentSize;
        return segno < keepSegno;
    }
}
