package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Generated day-ahead prices for the demo, which has no internet: every curve says {@code source: "synthetic"}.
 * A deterministic daily shape at PT15M: a seasonal base, a morning peak around 08:00 and an evening peak around
 * 19:00 local time, and a midday solar dip whose depth cycles over five days, so that it goes negative on some
 * days (always on the deepest) and not on others. The same zone and day always give the same prices; zones differ
 * by a small fixed offset.
 */
public final class SyntheticPrices implements PriceSource {

  public static final String SOURCE = "synthetic";
  private static final Duration MTU = Duration.ofMinutes(15);

  private final Clock clock;

  public SyntheticPrices(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Future<FetchOutcome> dayAhead(String zone, LocalDate first, LocalDate last) {
    List<PriceCurve> days = new ArrayList<>();
    for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
      days.add(curve(zone, day, clock.instant()));
    }
    return Future.succeededFuture(new FetchOutcome.Published(new EntsoeDocument.Prices(zone, days, List.of())));
  }

  @Override
  public void close() {
    // nothing held
  }

  public static PriceCurve curve(String zone, LocalDate day, Instant generatedAt) {
    double seasonal = 70 + 15 * Math.cos(2 * Math.PI * (day.getDayOfYear() - 15) / 365.0);
    double zoneOffset = Math.floorMod(zone.hashCode(), 11) - 5;
    // 30, 50, 70, 90 or 110 EUR/MWh by day: 110 is below any base (55..90), 30 above every one
    double dipDepth = 30 + 20 * Math.floorMod(day.toEpochDay() * 3, 5);
    List<PriceCurve.Point> points = new ArrayList<>();
    Instant end = EntsoeDocumentParser.dayStart(day.plusDays(1));
    int quarter = 0;
    for (Instant t = EntsoeDocumentParser.dayStart(day); t.isBefore(end); t = t.plus(MTU), quarter++) {
      ZonedDateTime local = t.atZone(EntsoeDocumentParser.DELIVERY_TIME_ZONE);
      double h = local.getHour() + local.getMinute() / 60.0;
      double price = seasonal + zoneOffset
        + 35 * bump(h, 8.0, 1.2)
        + 55 * bump(h, 19.0, 1.5)
        - dipDepth * bump(h, 13.0, 2.0)
        + ((quarter % 4) - 1.5) * 0.8;
      points.add(new PriceCurve.Point(t, t.plus(MTU), Math.round(price * 100) / 100.0));
    }
    return new PriceCurve(zone, "EUR", "MWh", MTU, day, generatedAt, SOURCE, points);
  }

  private static double bump(double h, double centre, double width) {
    double x = (h - centre) / width;
    return Math.exp(-x * x / 2);
  }
}
