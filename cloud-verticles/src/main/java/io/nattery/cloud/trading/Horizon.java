package io.nattery.cloud.trading;

import io.nattery.protocol.PriceCurve;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one trading run plans: every MTU with a known price from the next MTU boundary on, today's rest and
 * tomorrow once published, at the finer of the two days' resolutions (a coarser price holds for each of its
 * finer MTUs), and the last delivery day it reaches.
 */
public record Horizon(List<PriceCurve.Point> points, Duration resolution, LocalDate lastDay) {

  /** The horizon at {@code now}, or null when no price lies ahead. */
  public static Horizon of(Instant now, Optional<PriceCurve> today, Optional<PriceCurve> tomorrow) {
    Duration resolution = finest(today, tomorrow);
    if (resolution == null) {
      return null;
    }
    Instant from = nextBoundary(now, resolution);
    List<PriceCurve.Point> points = new ArrayList<>();
    LocalDate lastDay = null;
    for (Optional<PriceCurve> curve : List.of(today, tomorrow)) {
      if (curve.isEmpty()) {
        continue;
      }
      for (PriceCurve.Point point : curve.get().points()) {
        for (Instant start = point.start(); start.isBefore(point.end()); start = start.plus(resolution)) {
          if (!start.isBefore(from)) {
            points.add(new PriceCurve.Point(start, start.plus(resolution), point.price()));
            lastDay = curve.get().deliveryDay();
          }
        }
      }
    }
    return points.isEmpty() ? null : new Horizon(List.copyOf(points), resolution, lastDay);
  }

  /** The first MTU boundary at or after {@code now} (boundaries are whole multiples of the MTU since the epoch). */
  static Instant nextBoundary(Instant now, Duration mtu) {
    long mtuMs = mtu.toMillis();
    long ms = now.toEpochMilli();
    return Instant.ofEpochMilli(Math.floorDiv(ms + mtuMs - 1, mtuMs) * mtuMs);
  }

  private static Duration finest(Optional<PriceCurve> today, Optional<PriceCurve> tomorrow) {
    return java.util.stream.Stream.of(today, tomorrow).flatMap(Optional::stream).map(PriceCurve::resolution)
      .min(Duration::compareTo).orElse(null);
  }
}
