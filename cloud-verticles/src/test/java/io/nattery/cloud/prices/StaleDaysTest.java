package io.nattery.cloud.prices;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaleDaysTest {

  private static final LocalDate D = LocalDate.parse("2026-03-29");
  private final StaleDays stale = new StaleDays(LocalTime.parse("15:30"));

  @Test
  void tomorrowIsStaleOnlyFromTheDeadlineAndOnlyOnce() {
    LocalDate today = D.minusDays(1);

    assertEquals(List.of(), stale.check(today, false, true, false));
    assertEquals(List.of(new StaleDays.Change(D, StaleDays.State.RAISED,
      "day-ahead prices for 2026-03-29 still missing at 15:30 Europe/Brussels")), stale.check(today, true, true, false));
    assertEquals(List.of(), stale.check(today, true, true, false));
  }

  @Test
  void aMissingTodayIsStaleAtAnyTime() {
    assertEquals(List.of(new StaleDays.Change(D, StaleDays.State.RAISED,
      "day-ahead prices for today, 2026-03-29, are missing")), stale.check(D, false, false, false));
  }

  @Test
  void theNextDaysPricesDoNotClearAMissingDay() {
    stale.check(D.minusDays(1), true, true, false);

    // D+1 stored while D, now today, is still missing: nothing changes
    assertEquals(List.of(), stale.check(D, true, false, true));
    assertEquals(List.of(), stale.arrived(D.plusDays(1)).stream().toList());
    assertEquals(List.of(D), List.copyOf(stale.days()));
  }

  @Test
  void aSecondMissingDayIsRaisedWhileTheFirstIsStillStale() {
    stale.check(D.minusDays(1), true, true, false);

    List<StaleDays.Change> changes = stale.check(D, true, false, false);

    assertEquals(List.of(D.plusDays(1)), changes.stream().map(StaleDays.Change::day).toList());
    assertTrue(changes.get(0).raised());
    assertEquals(List.of(D, D.plusDays(1)), List.copyOf(stale.days()));
  }

  @Test
  void aDayIsClearedWhenItsPricesArriveOrOnceItHasPassedSayingWhich() {
    stale.check(D, true, false, false);

    assertEquals(List.of(new StaleDays.Change(D.plusDays(1), StaleDays.State.ARRIVED,
      "day-ahead prices for 2026-03-30 arrived")), stale.arrived(D.plusDays(1)).stream().toList());
    assertEquals(List.of(new StaleDays.Change(D, StaleDays.State.PASSED,
      "no day-ahead prices for 2026-03-29 arrived; the day has passed")), stale.check(D.plusDays(1), false, true, false));
    assertTrue(stale.isEmpty());
  }

  @Test
  void aDayRestoredFromTheStatusRowIsNotRaisedAgainButIsCleared() {
    stale.restore(D);

    assertEquals(List.of(), stale.check(D, false, false, true));
    assertEquals(List.of(new StaleDays.Change(D, StaleDays.State.ARRIVED, "day-ahead prices for 2026-03-29 arrived")),
      stale.check(D, false, true, true));
  }
}
