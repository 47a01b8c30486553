package io.nattery.cloud.trading;

import io.nattery.protocol.PriceCurve;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HorizonTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 11, 22);

  /** A Brussels (CET) day's curve at {@code mtu}, each price the hour of its start. */
  private static PriceCurve curve(LocalDate day, Duration mtu) {
    Instant start = day.atStartOfDay(java.time.ZoneId.of("Europe/Brussels")).toInstant();
    List<PriceCurve.Point> points = new ArrayList<>();
    for (Instant t = start; t.isBefore(start.plus(Duration.ofDays(1))); t = t.plus(mtu)) {
      points.add(new PriceCurve.Point(t, t.plus(mtu), t.atZone(java.time.ZoneOffset.UTC).getHour()));
    }
    return new PriceCurve("DE_LU", "EUR", "MWh", mtu, day, Instant.EPOCH, "test", points);
  }

  @Test
  void todaysRestAndTomorrowAreOneHorizonFromTheNextBoundary() {
    Horizon horizon = Horizon.of(Instant.parse("2026-11-22T20:07:30Z"),
      Optional.of(curve(TODAY, Duration.ofMinutes(15))), Optional.of(curve(TODAY.plusDays(1), Duration.ofMinutes(15))));

    assertEquals(Instant.parse("2026-11-22T20:15:00Z"), horizon.points().get(0).start());
    assertEquals(Instant.parse("2026-11-23T23:00:00Z"), horizon.points().get(horizon.points().size() - 1).end());
    assertEquals(11 + 96, horizon.points().size(), "20:15 to 23:00Z is 11 quarter-hours, then tomorrow");
    assertEquals(TODAY.plusDays(1), horizon.lastDay());
    for (int i = 1; i < horizon.points().size(); i++) {
      assertEquals(horizon.points().get(i - 1).end(), horizon.points().get(i).start(), "consecutive");
    }
  }

  @Test
  void aCoarserDayIsSpreadOverTheFinerMtus() {
    Horizon horizon = Horizon.of(Instant.parse("2026-11-22T21:20:00Z"),
      Optional.of(curve(TODAY, Duration.ofHours(1))), Optional.of(curve(TODAY.plusDays(1), Duration.ofMinutes(15))));

    assertEquals(Duration.ofMinutes(15), horizon.resolution());
    assertEquals(Instant.parse("2026-11-22T21:30:00Z"), horizon.points().get(0).start());
    assertEquals(21.0, horizon.points().get(0).price());
    assertEquals(21.0, horizon.points().get(1).price());
    assertEquals(22.0, horizon.points().get(2).price());
    assertEquals(2 + 4 + 96, horizon.points().size());
  }

  @Test
  void withoutTomorrowTheHorizonEndsToday() {
    Horizon horizon = Horizon.of(Instant.parse("2026-11-22T10:00:00Z"),
      Optional.of(curve(TODAY, Duration.ofMinutes(15))), Optional.empty());

    assertEquals(Instant.parse("2026-11-22T10:00:00Z"), horizon.points().get(0).start(), "on a boundary: from it");
    assertEquals(TODAY, horizon.lastDay());
    assertEquals(13 * 4, horizon.points().size());
  }

  @Test
  void nothingAheadIsNoHorizon() {
    assertNull(Horizon.of(Instant.parse("2026-11-22T23:00:00Z"), Optional.of(curve(TODAY, Duration.ofMinutes(15))),
      Optional.empty()));
    assertNull(Horizon.of(Instant.parse("2026-11-22T10:00:00Z"), Optional.empty(), Optional.empty()));
  }
}
