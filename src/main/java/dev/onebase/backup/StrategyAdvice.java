package dev.onebase.backup;

import java.util.ArrayList;
import java.util.List;

/**
 * Which backup mix suits a database of this size, and whether the configured schedule follows it (a pure function).
 * Under 5 GB: daily snapshots, weekly full copies, continuous WAL. 5-50 GB: full copies at least weekly plus WAL; a
 * snapshot at most daily (a pg_dump restore is slower than a full copy from here on). Over 50 GB: full copies plus WAL
 * only; pg_dump holds a snapshot open for hours and restores too slowly, so snapshots should be off.
 */
public final class StrategyAdvice {

    public static final long GB = 1024L * 1024 * 1024;

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "BackupSchedule")
    public record Schedule(boolean snapshotEnabled, String snapshotSchedule, boolean fullEnabled, String fullSchedule,
            boolean walEnabled) {
    }

    public record Advice(long databaseBytes, String sizeClass, String recommendation, Schedule configured, boolean followed,
            List<String> gaps) {
    }

    private StrategyAdvice() {
    }

    public static Advice advise(long dbBytes, Schedule s) {
        List<String> gaps = new ArrayList<>();
        double snapHours = s.snapshotEnabled() ? periodHours(s.snapshotSchedule()) : Double.POSITIVE_INFINITY;
        double fullHours = s.fullEnabled() ? periodHours(s.fullSchedule()) : Double.POSITIVE_INFINITY;
        String sizeClass;
        String recommendation;
        if (!s.walEnabled()) {
            gaps.add("continuous WAL is off (onebase.backup.wal.enabled): the recovery point is the last backup, not seconds ago");
        }
        if (fullHours > 7 * 24) {
            gaps.add("full copies should run at least weekly (point-in-time recovery starts from one)");
        }
        if (dbBytes < 5 * GB) {
            sizeClass = "under 5 GB";
            recommendation = "daily snapshot (pg_dump), weekly full copy, continuous WAL, weekly restore test";
            if (snapHours > 24) {
                gaps.add("a database this small should have a daily snapshot");
            }
        } else if (dbBytes <= 50 * GB) {
            sizeClass = "5-50 GB";
            recommendation = "weekly (or more often) full copy, continuous WAL, snapshots at most daily and optional, weekly restore test";
            if (snapHours < 24) {
                gaps.add("snapshots more often than daily cost a long pg_dump each time at this size");
            }
        } else {
            sizeClass = "over 50 GB";
            recommendation = "full copies (weekly or more often) plus continuous WAL only; turn snapshots off; "
                    + "consider pgBackRest for incremental and parallel backups";
            if (s.snapshotEnabled()) {
                gaps.add("pg_dump snapshots of a database over 50 GB hold a snapshot open for hours and restore slowly: disable them");
            }
        }
        return new Advice(dbBytes, sizeClass, recommendation, s, gaps.isEmpty(), gaps);
    }

    /**
     * The period of a schedule in hours: intervals ("30s", "15m", "6h", "1d") exactly; Quartz cron roughly (every day
     * unless the day-of-week or day-of-month field restricts it; several hours listed count as more often).
     */
    static double periodHours(String schedule) {
        String s = schedule.trim();
        if (s.matches("\\d+[smhd]")) {
            double n = Double.parseDouble(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> n / 3600;
                case 'm' -> n / 60;
                case 'h' -> n;
                default -> n * 24;
            };
        }
        String[] f = s.split("\\s+");
        if (f.length < 6) {
            return Double.POSITIVE_INFINITY;
        }
        String hours = f[2];
        String dom = f[3];
        String month = f[4];
        String dow = f[5];
        if (!"*".equals(month) && !"?".equals(month)) {
            return 24 * 365.0 / Math.max(1, month.split(",").length);
        }
        if (!"*".equals(dom) && !"?".equals(dom)) {
            return 24 * 30.0 / Math.max(1, dom.split(",").length);
        }
        if (!"*".equals(dow) && !"?".equals(dow)) {
            int days = dow.contains("-") ? 5 : dow.split(",").length;
            return 24 * 7.0 / Math.max(1, days);
        }
        if ("*".equals(hours)) {
            return 1;
        }
        if (hours.contains("/")) {
            return Double.parseDouble(hours.substring(hours.indexOf('/') + 1));
        }
        return 24.0 / hours.split(",").length;
    }
}
