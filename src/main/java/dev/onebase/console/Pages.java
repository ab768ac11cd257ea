package dev.onebase.console;

import java.util.List;
import java.util.Map;

import dev.onebase.auth.ApiKeyRecords.KeyView;
import dev.onebase.backup.BackupAlerts.Alert;
import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.backup.WalStreamer;
import dev.onebase.file.FileRecords.FolderPage;
import dev.onebase.file.FileRecords.VersionView;
import dev.onebase.job.JobRecords.JobView;
import dev.onebase.job.JobRecords.RunView;
import dev.onebase.session.SessionStore.Session;
import dev.onebase.stats.StatsRecords.Dashboard;
import dev.onebase.stats.StatsRecords.Usage;
import dev.onebase.tenant.TenantRecords.TenantView;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;

/** The console's pages (src/main/resources/templates/console/), checked against these parameters at build time. */
@CheckedTemplate(basePath = "console")
public final class Pages {

    private Pages() {
    }

    /**
     * What every page around its content needs: the CSRF token for its forms, the menu entry, a notice or error, and
     * for a tenant's own view its tenant id (null for an operator: the operator's menu).
     */
    public record Chrome(String csrf, String active, String title, String notice, String error, String tenant) {
    }

    /** A page of one tenant's data: every tenant to pick from, and the one picked (null for none). */
    public record Picker(List<TenantView> tenants, TenantView selected) {
    }

    /** A tenant's usage over time: the figures in words, and the charts that draw them. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record UsageCharts(long requestsLastHour, long peakPerMinute, long requestsLast30Days, String storage,
            RawString perMinute, RawString perDay, RawString storageOverTime) {
    }

    public record Figure(String label, String value) {
    }

    public record CacheKey(String key, String value, Long ttlMs, boolean text) {
        public Long ttlSeconds() {
            return ttlMs == null ? null : Math.max(1, ttlMs / 1000);
        }
    }

    static native TemplateInstance login(String error);

    static native TemplateInstance dashboard(Chrome c, Dashboard stats, List<Figure> figures, RawString byPlan,
            RawString topRequests, RawString topStorage, RawString rejections, RawString backupAge);

    static native TemplateInstance tenants(Chrome c, List<TenantView> tenants, String q, String status, List<String> plans);

    static native TemplateInstance tenant(Chrome c, TenantView t, Usage usage, RawString usageChart, UsageCharts history, List<KeyView> keys,
            String secret, List<String> plans);

    static native TemplateInstance cache(Chrome c, Picker p, String prefix, List<String> keys, String next, CacheKey entry);

    static native TemplateInstance sessions(Chrome c, Picker p, String user, List<Session> sessions);

    static native TemplateInstance flags(Chrome c, Picker p, List<String> keys, String key, String flagJson, String contextJson);

    static native TemplateInstance files(Chrome c, Picker p, FolderPage page, boolean trash, String fileId, List<VersionView> versions);

    static native TemplateInstance jobs(Chrome c, List<JobView> jobs, String job, List<RunView> runs, RawString timeline);

    static native TemplateInstance backups(Chrome c, List<BackupRecord> backups, List<RestoreTestRecord> tests,
            WalStreamer.Status wal, List<Alert> alerts, RawString window, RawString rto, Map<String, String> facts);
}
