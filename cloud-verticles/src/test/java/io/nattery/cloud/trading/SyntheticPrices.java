package io.nattery.cloud.trading;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.Random;

/**
 * Day-ahead prices made up by a seeded model, for benchmarks on a machine without internet (so no
 * ENTSO-E history). EUR/MWh per slot, by the hour of the day in Europe/Brussels:
 * <pre>
 *   price = 85 + 25 cos(2 pi (doy - 15) / 365)                    winter dearer than summer
 *         + 20 bump(8 h, 1.5 h) + 45 bump(19 h, 2 h) - 25 bump(3 h, 2.5 h)   morning and evening peaks, night trough
 *         - sun(doy) * (40 + 80 u_day) * bump(13 h, 2.5 h)         solar trough, deeper on sunny summer days
 *         - 15 on Saturdays and Sundays
 *         + wind_day + ar1                                          daily level N(0, 20), per-slot AR(1) phi 0.7, sd 12
 * </pre>
 * where {@code bump(c, w) = exp(-((hour - c) / w)^2)}, {@code sun = (1 - cos(2 pi (doy - 15) / 365)) / 2}
 * and {@code u_day} uniform in [0, 1) per day. Sunny summer days go below zero at midday.
 */
final class SyntheticPrices {

  private SyntheticPrices() {
  }

  /** Hourly from local midnight of {@code firstDay} for {@code days} days. */
  static PriceHistory hourly(LocalDate firstDay, int days, long seed) {
    return generate(firstDay, days, Duration.ofHours(1), seed);
  }

  static PriceHistory generate(LocalDate firstDay, int days, Duration mtu, long seed) {
    Random random = new Random(seed);
    Instant start = firstDay.atStartOfDay(Backtest.MARKET_ZONE).toInstant();
    Instant end = firstDay.plusDays(days).atStartOfDay(Backtest.MARKET_ZONE).toInstant();
    int slots = (int) (Duration.between(start, end).toMinutes() / mtu.toMinutes());
    double[] prices = new double[slots];
    double noise = 0;
    LocalDate day = null;
    double wind = 0;
    double sunny = 0;
    for (int t = 0; t < slots; t++) {
      ZonedDateTime local = start.plus(mtu.multipliedBy(t)).atZone(Backtest.MARKET_ZONE);
      if (!local.toLocalDate().equals(day)) {
        day = local.toLocalDate();
        wind = 20 * random.nextGaussian();
        sunny = random.nextDouble();
      }
      double hour = local.getHour() + local.getMinute() / 60.0;
      double season = Math.cos(2 * Math.PI * (day.getDayOfYear() - 15) / 365.0);
      double sun = (1 - season) / 2;
      double weekend = day.getDayOfWeek().getValue() >= 6 ? -15 : 0;
      noise = 0.7 * noise + 12 * Math.sqrt(1 - 0.49) * random.nextGaussian();
      prices[t] = 85 + 25 * season
          + 20 * bump(hour, 8, 1.5) + 45 * bump(hour, 19, 2) - 25 * bump(hour, 3, 2.5)
          - sun * (40 + 80 * sunny) * bump(hour, 13, 2.5)
          + weekend + wind + noise;
    }
    return new PriceHistory(start, mtu, prices);
  }

  private static double bump(double hour, double centre, double width) {
    double x = (hour - centre) / width;
    return Math.exp(-x * x);
  }
}
