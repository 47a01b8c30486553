package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Day-ahead prices in PostgreSQL (table {@code prices}, the latest revision of each zone and MTU; earlier
 * values in {@code price_revisions}).
 */
public final class PriceStore {

  private final Pool pool;

  public PriceStore(Pool pool) {
    this.pool = pool;
  }

  /** The stored curve of one delivery day (Europe/Brussels), empty when none of its MTUs is stored. */
  public Future<Optional<PriceCurve>> curve(String zone, LocalDate deliveryDay) {
    return pool.preparedQuery("SELECT mtu_start, mtu_end, price_eur_mwh, source, fetched_at FROM prices "
        + "WHERE zone = $1 AND delivery_day = $2 ORDER BY mtu_start")
      .execute(Tuple.of(zone, deliveryDay))
      .map(rows -> {
        List<PriceCurve.Point> points = new ArrayList<>();
        Instant fetchedAt = Instant.EPOCH;
        String source = null;
        for (Row row : rows) {
          points.add(point(row));
          Instant fetched = row.getOffsetDateTime("fetched_at").toInstant();
          if (fetched.isAfter(fetchedAt)) {
            fetchedAt = fetched;
            source = row.getString("source");
          }
        }
        if (points.isEmpty()) {
          return Optional.empty();
        }
        Duration resolution = points.stream()
          .map(p -> Duration.between(p.start(), p.end())).min(Duration::compareTo).orElseThrow();
        return Optional.of(new PriceCurve(zone, "EUR", "MWh", resolution, deliveryDay, fetchedAt, source, points));
      });
  }

  /** The stored MTUs of a zone that start in {@code [from, to)}, in time order. */
  public Future<List<PriceCurve.Point>> points(String zone, Instant from, Instant to) {
    return pool.preparedQuery("SELECT mtu_start, mtu_end, price_eur_mwh FROM prices "
        + "WHERE zone = $1 AND mtu_start >= $2 AND mtu_start < $3 ORDER BY mtu_start")
      .execute(Tuple.of(zone, utc(from), utc(to)))
      .map(rows -> {
        List<PriceCurve.Point> points = new ArrayList<>();
        rows.forEach(row -> points.add(point(row)));
        return points;
      });
  }

  private static PriceCurve.Point point(Row row) {
    return new PriceCurve.Point(row.getOffsetDateTime("mtu_start").toInstant(),
      row.getOffsetDateTime("mtu_end").toInstant(), row.getDouble("price_eur_mwh"));
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
