package io.nattery.cloud.trading;

import io.nattery.protocol.PriceCurve;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A site's net load (house load minus PV, kW) for each slot of a day to plan, from its own recent history:
 * for each slot, the highest quarter-hour mean seen at that local time of day on the days of history.
 * Peak shaving must hold the limit on the bad days, so the forecast takes the worst recent day rather than the
 * average one; a site without history at some time of day has no forecast.
 */
public final class SiteLoadForecast {

  /** One quarter-hour of history: its start and the site's mean net load over it. */
  public record Sample(Instant start, double netLoadKw) {
  }

  private static final int QUARTER_MINUTES = 15;

  private SiteLoadForecast() {
  }

  /**
   * The forecast for {@code slots}, or null when some slot's time of day has no history. Times of day are
   * local to {@code zone}, so that a house's evening peak stays in the evening across a DST change.
   */
  public static double[] of(List<Sample> history, List<PriceCurve.Point> slots, ZoneId zone) {
    Map<Integer, Double> worstByQuarter = new HashMap<>();
    for (Sample sample : history) {
      worstByQuarter.merge(quarterOfDay(sample.start(), zone), sample.netLoadKw(), Math::max);
    }
    double[] forecast = new double[slots.size()];
    for (int i = 0; i < slots.size(); i++) {
      PriceCurve.Point slot = slots.get(i);
      double worst = Double.NEGATIVE_INFINITY;
      for (Instant q = slot.start(); q.isBefore(slot.end()); q = q.plusSeconds(QUARTER_MINUTES * 60)) {
        Double seen = worstByQuarter.get(quarterOfDay(q, zone));
        if (seen == null) {
          return null;
        }
        worst = Math.max(worst, seen);
      }
      forecast[i] = worst;
    }
    return forecast;
  }

  private static int quarterOfDay(Instant instant, ZoneId zone) {
    ZonedDateTime local = instant.atZone(zone);
    return (local.getHour() * 60 + local.getMinute()) / QUARTER_MINUTES;
  }
}
