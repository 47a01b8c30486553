package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Day-ahead prices in PostgreSQL (table {@code prices}, the latest revision of each zone and MTU; earlier
 * values in {@code price_revisions}) and whether a zone's prices are stale ({@code price_zone_status}).
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

  /** What storing a curve changed: MTUs new, MTUs whose price or length changed, MTUs the curve no longer has. */
  public record Stored(int inserted, int revised, int removed) {

    public boolean changed() {
      return inserted + revised + removed > 0;
    }
  }

  /**
   * Stores a complete delivery day. The same curve again changes nothing; an MTU whose price, length or source
   * changed gets the next revision and its old value goes to {@code price_revisions}; MTUs of the day that the
   * curve does not have (the day changed resolution) move to {@code price_revisions} too.
   */
  public Future<Stored> store(PriceCurve curve) {
    String zone = curve.zone();
    LocalDate day = curve.deliveryDay();
    Instant from = EntsoeDocumentParser.dayStart(day);
    Instant to = EntsoeDocumentParser.dayStart(day.plusDays(1));
    return pool.withTransaction(conn -> conn
      // one writer per zone and day at a time, also when nothing of the day is stored yet
      .preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))").execute(Tuple.of("prices/" + zone + "/" + day))
      .compose(locked -> conn.preparedQuery("SELECT mtu_start, mtu_end, price_eur_mwh, source, revision FROM prices "
        + "WHERE zone = $1 AND delivery_day = $2").execute(Tuple.of(zone, day)))
      .compose(current -> conn.preparedQuery("SELECT mtu_start, max(revision) AS revision FROM price_revisions "
          + "WHERE zone = $1 AND mtu_start >= $2 AND mtu_start < $3 GROUP BY mtu_start")
        .execute(Tuple.of(zone, utc(from), utc(to)))
        .map(archived -> Changes.of(curve, current, archived)))
      .compose(changes -> changes.apply(conn, curve)));
  }

  /** The rows to write for one curve, worked out from what is stored. */
  private record Changes(List<Tuple> upserts, List<OffsetDateTime> archived, List<OffsetDateTime> removed,
                         int inserted, int revised) {

    static Changes of(PriceCurve curve, RowSet<Row> current, RowSet<Row> archivedRevisions) {
      Map<Instant, Row> stored = new HashMap<>();
      current.forEach(row -> stored.put(row.getOffsetDateTime("mtu_start").toInstant(), row));
      Map<Instant, Integer> lastArchived = new HashMap<>();
      archivedRevisions.forEach(row -> lastArchived.put(row.getOffsetDateTime("mtu_start").toInstant(),
        row.getInteger("revision")));
      List<Tuple> upserts = new ArrayList<>();
      List<OffsetDateTime> archived = new ArrayList<>();
      int inserted = 0;
      int revised = 0;
      for (PriceCurve.Point point : curve.points()) {
        Row row = stored.remove(point.start());
        if (row != null && row.getOffsetDateTime("mtu_end").toInstant().equals(point.end())
            && row.getDouble("price_eur_mwh") == point.price() && curve.source().equals(row.getString("source"))) {
          continue;
        }
        // a revision number is never reused for an MTU, even one that was removed and came back
        int previous = Math.max(row == null ? 0 : row.getInteger("revision"),
          lastArchived.getOrDefault(point.start(), 0));
        if (row == null) {
          inserted++;
        } else {
          revised++;
          archived.add(utc(point.start()));
        }
        upserts.add(Tuple.of(curve.zone(), utc(point.start()), utc(point.end()), curve.deliveryDay(), point.price(),
          curve.source(), previous + 1, utc(curve.fetchedAt())));
      }
      List<OffsetDateTime> removed = stored.keySet().stream().map(PriceStore::utc).toList();
      archived.addAll(removed);
      return new Changes(upserts, archived, removed, inserted, revised);
    }

    Future<Stored> apply(SqlConnection conn, PriceCurve curve) {
      Future<?> chain = Future.succeededFuture();
      if (!archived.isEmpty()) {
        chain = chain.compose(v -> conn.preparedQuery("INSERT INTO price_revisions "
            + "(zone, mtu_start, revision, mtu_end, delivery_day, price_eur_mwh, source, fetched_at) "
            + "SELECT zone, mtu_start, revision, mtu_end, delivery_day, price_eur_mwh, source, fetched_at FROM prices "
            + "WHERE zone = $1 AND mtu_start = ANY($2)")
          .execute(zoneAndStarts(curve.zone(), archived)));
      }
      if (!removed.isEmpty()) {
        chain = chain.compose(v -> conn.preparedQuery("DELETE FROM prices WHERE zone = $1 AND mtu_start = ANY($2)")
          .execute(zoneAndStarts(curve.zone(), removed)));
      }
      if (!upserts.isEmpty()) {
        chain = chain.compose(v -> conn.preparedQuery("INSERT INTO prices "
            + "(zone, mtu_start, mtu_end, delivery_day, price_eur_mwh, source, revision, fetched_at) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (zone, mtu_start) DO UPDATE SET "
            + "mtu_end = EXCLUDED.mtu_end, delivery_day = EXCLUDED.delivery_day, "
            + "price_eur_mwh = EXCLUDED.price_eur_mwh, "
            + "source = EXCLUDED.source, revision = EXCLUDED.revision, fetched_at = EXCLUDED.fetched_at")
          .executeBatch(upserts));
      }
      return chain.map(v -> new Stored(inserted, revised, removed.size()));
    }

    private static Tuple zoneAndStarts(String zone, List<OffsetDateTime> starts) {
      return Tuple.tuple().addString(zone).addArrayOfOffsetDateTime(starts.toArray(new OffsetDateTime[0]));
    }
  }

  /** Whether any MTU of the day is stored; only complete days are. */
  public Future<Boolean> hasDay(String zone, LocalDate deliveryDay) {
    return pool.preparedQuery("SELECT 1 FROM prices WHERE zone = $1 AND delivery_day = $2 LIMIT 1")
      .execute(Tuple.of(zone, deliveryDay))
      .map(rows -> rows.size() > 0);
  }

  /** Since when and for which missing day a zone's prices are stale. */
  public record Staleness(LocalDate missingDay, Instant since) {
  }

  /** The zone's staleness, empty when its prices are not stale. */
  public Future<Optional<Staleness>> staleness(String zone) {
    return pool.preparedQuery("SELECT missing_day, stale_since FROM price_zone_status WHERE zone = $1 AND stale")
      .execute(Tuple.of(zone))
      .map(rows -> {
        if (rows.size() == 0) {
          return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new Staleness(row.getLocalDate("missing_day"),
          row.getOffsetDateTime("stale_since").toInstant()));
      });
  }

  /**
   * Marks the zone's prices stale for want of {@code missingDay}; true when it was not stale yet. A zone already
   * stale keeps its first missing day until cleared.
   */
  public Future<Boolean> markStale(String zone, LocalDate missingDay, Instant since) {
    return pool.preparedQuery("INSERT INTO price_zone_status AS s (zone, stale, missing_day, stale_since, updated_at) "
        + "VALUES ($1, true, $2, $3, now()) ON CONFLICT (zone) DO UPDATE SET stale = true, "
        + "missing_day = EXCLUDED.missing_day, stale_since = EXCLUDED.stale_since, updated_at = now() "
        + "WHERE NOT s.stale")
      .execute(Tuple.of(zone, missingDay, utc(since)))
      .map(rows -> rows.rowCount() > 0);
  }

  /**
   * Marks the zone's prices stale with {@code earliestMissing} as the day missing first; {@code since} is kept from
   * an earlier mark while the zone stays stale.
   */
  public Future<Void> markMissing(String zone, LocalDate earliestMissing, Instant since) {
    return pool.preparedQuery("INSERT INTO price_zone_status AS s (zone, stale, missing_day, stale_since, updated_at) "
        + "VALUES ($1, true, $2, $3, now()) ON CONFLICT (zone) DO UPDATE SET stale = true, "
        + "missing_day = EXCLUDED.missing_day, "
        + "stale_since = CASE WHEN s.stale THEN s.stale_since ELSE EXCLUDED.stale_since END, updated_at = now()")
      .execute(Tuple.of(zone, earliestMissing, utc(since)))
      .mapEmpty();
  }

  /** Clears the zone's staleness; the day that was missing, empty when the zone was not stale. */
  public Future<Optional<LocalDate>> clearStale(String zone) {
    return pool.preparedQuery("UPDATE price_zone_status s SET stale = false, missing_day = NULL, stale_since = NULL, "
        + "updated_at = now() FROM (SELECT zone, missing_day FROM price_zone_status WHERE zone = $1 FOR UPDATE) old "
        + "WHERE s.zone = old.zone AND s.stale RETURNING old.missing_day")
      .execute(Tuple.of(zone))
      .map(rows -> rows.size() == 0 ? Optional.empty()
        : Optional.ofNullable(rows.iterator().next().getLocalDate("missing_day")));
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
