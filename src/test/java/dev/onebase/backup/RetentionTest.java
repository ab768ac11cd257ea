package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** The retention decision on a synthetic calendar (no database, no clock). */
class RetentionTest {

    private final Retention.Policy policy = new Retention.Policy(7, 4, 6);
    private final Map<Long, LocalDate> dates = new HashMap<>();
    private long nextId = 1;

    private Retention.Item item(String kind, LocalDate day, boolean verified, String lsn) {
        long id = nextId++;
        dates.put(id, day);
        return new Retention.Item(id, kind, day.atTime(2, 0).toInstant(ZoneOffset.UTC), verified, lsn);
    }

    private Set<LocalDate> days(Set<Long> ids) {
        Set<LocalDate> out = new TreeSet<>();
        ids.forEach(id -> out.add(dates.get(id)));
        return out;
    }

    @Test
    void dailySnapshotsForTwoHundredDaysKeepSevenDailyFourWeeklySixMonthly() {
        List<Retention.Item> items = new ArrayList<>();
        for (LocalDate d = LocalDate.of(2026, 1, 1); !d.isAfter(LocalDate.of(2026, 7, 19)); d = d.plusDays(1)) {
            items.add(item("snapshot", d, true, null));
        }
        Retention.Decision dec = Retention.decide(items, policy, ZoneOffset.UTC);
        Set<LocalDate> expected = new TreeSet<>();
        for (int day = 13; day <= 19; day++) {
            expected.add(LocalDate.of(2026, 7, day)); // the last 7 days
        }
        // newest of the last 4 ISO weeks (weeks end on Sunday; 2026-07-19 is a Sunday)
        expected.addAll(List.of(LocalDate.of(2026, 7, 12), LocalDate.of(2026, 7, 5), LocalDate.of(2026, 6, 28)));
        // newest of the last 6 months
        expected.addAll(List.of(LocalDate.of(2026, 6, 30), LocalDate.of(2026, 5, 31), LocalDate.of(2026, 4, 30),
                LocalDate.of(2026, 3, 31), LocalDate.of(2026, 2, 28)));
        assertEquals(expected, days(dec.keep()));
        assertEquals(items.size() - expected.size(), dec.delete().size());
        assertNull(dec.walKeepFromLsn(), "no full copy: no WAL may be deleted");
    }

    @Test
    void newestVerifiedIsNeverDeletedAndNewerUnverifiedStay() {
        List<Retention.Item> items = new ArrayList<>();
        Retention.Item oldGood = item("full", LocalDate.of(2025, 1, 5), true, "0/2000028");
        items.add(oldGood);
        for (LocalDate d = LocalDate.of(2025, 6, 1); d.isBefore(LocalDate.of(2025, 9, 1)); d = d.plusWeeks(1)) {
            items.add(item("full", d, false, "0/9000028")); // every later one failed its verification
        }
        Retention.Decision dec = Retention.decide(items, policy, ZoneOffset.UTC);
        assertTrue(dec.keep().contains(oldGood.id()), "the only verified full copy is kept however old");
        assertEquals(items.size(), dec.keep().size(), "unverified copies newer than the newest verified one stay");
        assertEquals("0/2000028", dec.walKeepFromLsn());
    }

    @Test
    void olderUnverifiedGoAndWalIsKeptFromTheOldestRetainedFullCopy() {
        List<Retention.Item> items = new ArrayList<>();
        Retention.Item broken = item("full", LocalDate.of(2026, 3, 1), false, "0/1000028");
        items.add(broken);
        List<Retention.Item> weekly = new ArrayList<>();
        String[] lsns = { "0/5000028", "0/9000028", "1/2000028", "1/7000028", "2/1000028", "2/8000028", "3/0000028" };
        for (int i = 0; i < lsns.length; i++) {
            weekly.add(item("full", LocalDate.of(2026, 3, 8).plusWeeks(i), true, lsns[i]));
        }
        items.addAll(weekly);
        Retention.Decision dec = Retention.decide(items, new Retention.Policy(1, 4, 1), ZoneOffset.UTC);
        assertTrue(dec.delete().contains(broken.id()));
        // last 4 weeks: the 4 newest weekly copies
        assertEquals(Set.of(weekly.get(3).id(), weekly.get(4).id(), weekly.get(5).id(), weekly.get(6).id()), dec.keep());
        assertEquals("1/7000028", dec.walKeepFromLsn());
        long seg = 16L * 1024 * 1024;
        assertTrue(Retention.walDeletable("000000010000000100000006", "1/7000028", seg));
        assertFalse(Retention.walDeletable("000000010000000100000007", "1/7000028", seg));
        assertFalse(Retention.walDeletable("000000020000000100000008.partial", "1/7000028", seg));
        assertTrue(Retention.walDeletable("0000000100000000000000FF.partial", "1/7000028", seg));
        assertFalse(Retention.walDeletable("00000002.history", "1/7000028", seg));
    }

    @Test
    void kindsAreIndependent() {
        List<Retention.Item> items = new ArrayList<>();
        Retention.Item snap = item("snapshot", LocalDate.of(2026, 1, 1), true, null);
        Retention.Item full = item("full", LocalDate.of(2026, 1, 1), true, "0/3000000");
        items.add(snap);
        items.add(full);
        for (int i = 1; i <= 30; i++) {
            items.add(item("snapshot", LocalDate.of(2026, 1, 1).plusDays(i), true, null));
        }
        Retention.Decision dec = Retention.decide(items, policy, ZoneOffset.UTC);
        assertTrue(dec.keep().contains(full.id()), "30 newer snapshots do not push out the only full copy");
    }

    @Test
    void adviceFollowsDatabaseSize() {
        StrategyAdvice.Schedule defaults = new StrategyAdvice.Schedule(true, "0 0 2 * * ?", true, "0 0 3 ? * SUN", true);
        StrategyAdvice.Advice small = StrategyAdvice.advise(StrategyAdvice.GB, defaults);
        assertEquals("under 5 GB", small.sizeClass());
        assertTrue(small.followed(), small.gaps().toString());
        StrategyAdvice.Advice large = StrategyAdvice.advise(80 * StrategyAdvice.GB, defaults);
        assertEquals("over 50 GB", large.sizeClass());
        assertFalse(large.followed());
        assertTrue(large.gaps().get(0).contains("disable"));
        StrategyAdvice.Advice noWal = StrategyAdvice.advise(10 * StrategyAdvice.GB,
                new StrategyAdvice.Schedule(false, "0 0 2 * * ?", true, "0 0 3 1 * ?", false));
        assertEquals("5-50 GB", noWal.sizeClass());
        assertEquals(2, noWal.gaps().size(), noWal.gaps().toString());
        assertEquals(6, StrategyAdvice.periodHours("6h"));
        assertEquals(168, StrategyAdvice.periodHours("0 0 3 ? * SUN"));
        assertEquals(24, StrategyAdvice.periodHours("0 0 2 * * ?"));
    }

    private Retention.Item fullAt(LocalDateTime at, String lsn) {
        long id = nextId++;
        dates.put(id, at.toLocalDate());
        return new Retention.Item(id, "full", at.toInstant(ZoneOffset.UTC), true, lsn);
    }

    private static String lsnOf(int n) {
        return Long.toHexString(n >>> 4) + "/" + Long.toHexString((n & 0xF) * 0x1000000L + 0x28).toUpperCase();
    }

    /** The oldest kept full copy started no later than the window's start, and WAL is kept from its start. */
    private static void everyMomentOfTheWindowIsRecoverable(List<Retention.Item> items, Retention.Decision dec, Instant windowStart) {
        Retention.Item oldestKept = items.stream().filter(i -> dec.keep().contains(i.id()) && "full".equals(i.kind()))
                .min(Comparator.comparing(Retention.Item::startedAt)).orElseThrow();
        assertEquals(oldestKept.startLsn(), dec.walKeepFromLsn());
        Retention.Item oldest = items.stream().filter(i -> "full".equals(i.kind())).min(Comparator.comparing(Retention.Item::startedAt)).orElseThrow();
        Instant coveredFrom = oldest.startedAt().isAfter(windowStart) ? oldest.startedAt() : windowStart;
        assertFalse(oldestKept.startedAt().isAfter(coveredFrom), "PITR to " + coveredFrom + " needs a copy started before it; oldest kept "
                + oldestKept.startedAt());
    }

    @Test
    void aSecondFullCopyTheSameDayKeepsTheFirstWhileItIsTheOnlyWayBack() {
        Retention.Item first = fullAt(LocalDateTime.of(2026, 11, 24, 1, 0), "0/1000028");
        Retention.Item second = fullAt(LocalDateTime.of(2026, 11, 24, 15, 0), "0/9000028");
        List<Retention.Item> items = List.of(first, second);
        Retention.Decision dec = Retention.decide(items, policy, ZoneOffset.UTC);
        assertEquals(Set.of(first.id(), second.id()), dec.keep());
        assertEquals("0/1000028", dec.walKeepFromLsn(), "WAL between the two copies stays");
    }

    @Test
    void severalCopiesADayKeepTheNewestPerDayAndTheCopyBeforeTheWindow() {
        List<Retention.Item> items = new ArrayList<>();
        int n = 1;
        LocalDate last = LocalDate.of(2026, 3, 14);
        for (LocalDate d = last.minusDays(20); !d.isAfter(last); d = d.plusDays(1)) {
            for (int hour : new int[] { 1, 9, 17 }) {
                items.add(fullAt(d.atTime(hour, 0), lsnOf(n++)));
            }
        }
        Retention.Policy daily = new Retention.Policy(7, 0, 0);
        Retention.Decision dec = Retention.decide(items, daily, ZoneOffset.UTC);
        Instant windowStart = last.minusDays(6).atStartOfDay().toInstant(ZoneOffset.UTC);
        everyMomentOfTheWindowIsRecoverable(items, dec, windowStart);
        // the newest of each of the 7 days, and the newest before the window (day 8 back, 17:00)
        Set<LocalDateTime> kept = new TreeSet<>();
        items.stream().filter(i -> dec.keep().contains(i.id()))
                .forEach(i -> kept.add(LocalDateTime.ofInstant(i.startedAt(), ZoneOffset.UTC)));
        Set<LocalDateTime> expected = new TreeSet<>();
        for (int back = 0; back <= 7; back++) {
            expected.add(last.minusDays(back).atTime(17, 0));
        }
        assertEquals(expected, kept);
    }

    @Test
    void aGapInTheCalendarKeepsTheCopyBeforeTheGap() {
        Retention.Item early = fullAt(LocalDateTime.of(2026, 5, 1, 2, 0), "0/2000028");
        Retention.Item morning = fullAt(LocalDateTime.of(2026, 5, 20, 1, 0), "0/8000028");
        Retention.Item noon = fullAt(LocalDateTime.of(2026, 5, 20, 12, 0), "0/9000028");
        List<Retention.Item> items = List.of(early, morning, noon);
        Retention.Decision dec = Retention.decide(items, new Retention.Policy(1, 0, 0), ZoneOffset.UTC);
        // moments of 2026-05-20 before 01:00 are reached only from the copy of 05-01 and the WAL since
        assertEquals(Set.of(early.id(), noon.id()), dec.keep());
        assertEquals("0/2000028", dec.walKeepFromLsn());
        everyMomentOfTheWindowIsRecoverable(items, dec, LocalDate.of(2026, 5, 20).atStartOfDay().toInstant(ZoneOffset.UTC));
    }

    @Test
    void isoWeeksAndMonthsAcrossTheYearBoundary() {
        // 2026-12-30 and 2027-01-02 are both in ISO week 53 of 2026
        Retention.Item w52 = fullAt(LocalDateTime.of(2026, 12, 21, 3, 0), "0/1000028");
        Retention.Item w53a = fullAt(LocalDateTime.of(2026, 12, 30, 3, 0), "0/2000028");
        Retention.Item w53b = fullAt(LocalDateTime.of(2027, 1, 2, 3, 0), "0/3000028");
        Retention.Item w01 = fullAt(LocalDateTime.of(2027, 1, 5, 3, 0), "0/4000028");
        List<Retention.Item> items = List.of(w52, w53a, w53b, w01);
        Retention.Decision weeks = Retention.decide(items, new Retention.Policy(1, 2, 0), ZoneOffset.UTC);
        assertEquals(Set.of(w53b.id(), w01.id()), weeks.keep());
        assertEquals("0/3000028", weeks.walKeepFromLsn());
        Retention.Decision months = Retention.decide(items, new Retention.Policy(1, 0, 2), ZoneOffset.UTC);
        assertEquals(Set.of(w53a.id(), w53b.id(), w01.id()), months.keep(), "newest of December 2026 and January 2027, and "
                + "the newest before the one-day window");
        assertEquals("0/2000028", months.walKeepFromLsn());
    }
}
