package io.nattery.cloud.prices;

import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The delivery days of one zone whose prices are missing when they should be there: today at any time, tomorrow
 * once the deadline has passed. Each day is raised once and cleared once, when its prices are stored or, if they
 * never come, when the day has passed. Plain Java: the fetcher reads the store and the clock and asks this what
 * to raise and clear.
 */
final class StaleDays {

  /** A day that became stale, or stopped being stale because its prices arrived or it passed without them. */
  enum State { RAISED, ARRIVED, PASSED }

  /** One day's change, with the alert's detail. */
  record Change(LocalDate day, State state, String detail) {

    boolean raised() {
      return state == State.RAISED;
    }
  }

  private final LocalTime deadline;
  private final TreeSet<LocalDate> days = new TreeSet<>();

  /** @param deadline the time of day (Europe/Brussels) by which tomorrow's prices must be stored */
  StaleDays(LocalTime deadline) {
    this.deadline = deadline;
  }

  /** Takes a day found stale earlier (by this node or another), already raised. */
  void restore(LocalDate day) {
    days.add(day);
  }

  /**
   * What changes now, given which of today and tomorrow are stored.
   *
   * @param pastDeadline whether today's deadline has passed, so that tomorrow's prices are due
   */
  List<Change> check(LocalDate today, boolean pastDeadline, boolean haveToday, boolean haveTomorrow) {
    LocalDate tomorrow = today.plusDays(1);
    List<Change> changes = new ArrayList<>();
    for (LocalDate day : List.copyOf(days)) {
      if (day.isBefore(today)) {
        days.remove(day);
        changes.add(new Change(day, State.PASSED, "no day-ahead prices for " + day
          + " arrived; the day has passed"));
      } else if (day.equals(today) && haveToday || day.equals(tomorrow) && haveTomorrow) {
        changes.add(arrived(day).orElseThrow());
      }
    }
    if (!haveToday && days.add(today)) {
      changes.add(new Change(today, State.RAISED, "day-ahead prices for today, " + today + ", are missing"));
    }
    if (pastDeadline && !haveTomorrow && days.add(tomorrow)) {
      changes.add(new Change(tomorrow, State.RAISED, "day-ahead prices for " + tomorrow + " still missing at "
        + deadline + " Europe/Brussels"));
    }
    return changes;
  }

  /** The day's prices were stored: its clearing, when it was stale. */
  Optional<Change> arrived(LocalDate day) {
    return days.remove(day)
      ? Optional.of(new Change(day, State.ARRIVED, "day-ahead prices for " + day + " arrived"))
      : Optional.empty();
  }

  NavigableSet<LocalDate> days() {
    return Collections.unmodifiableNavigableSet(days);
  }

  boolean isEmpty() {
    return days.isEmpty();
  }
}
