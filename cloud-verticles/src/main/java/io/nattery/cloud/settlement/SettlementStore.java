package io.nattery.cloud.settlement;

import io.nattery.cloud.prices.PriceStore;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Settlement's reads and writes in PostgreSQL: devices' zones, prices, and the {@code settlements} rows. */
public final class SettlementStore {

  private static final String UPSERT = "INSERT INTO settlements (device_id, mtu_start, mtu_end, zone, price_eur_mwh, "
    + "status, charged_wh, discharged_wh, import_wh, export_wh, battery_value_eur, grid_cost_eur, "
    + "grid_cost_without_battery_eur) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
    + "ON CONFLICT (device_id, mtu_start) DO UPDATE SET mtu_end = EXCLUDED.mtu_end, zone = EXCLUDED.zone, "
    + "price_eur_mwh = EXCLUDED.price_eur_mwh, status = EXCLUDED.status, charged_wh = EXCLUDED.charged_wh, "
    + "discharged_wh = EXCLUDED.discharged_wh, import_wh = EXCLUDED.import_wh, export_wh = EXCLUDED.export_wh, "
    + "battery_value_eur = EXCLUDED.battery_value_eur, grid_cost_eur = EXCLUDED.grid_cost_eur, "
    + "grid_cost_without_battery_eur = EXCLUDED.grid_cost_without_battery_eur, settled_at = now() "
    // an unchanged row is left alone, so settled_at tells when its figures last changed
    + "WHERE (settlements.mtu_end, settlements.zone, settlements.price_eur_mwh, settlements.status, "
    + "settlements.charged_wh, settlements.discharged_wh, settlements.import_wh, settlements.export_wh) "
    + "IS DISTINCT FROM (EXCLUDED.mtu_end, EXCLUDED.zone, EXCLUDED.price_eur_mwh, EXCLUDED.status, "
    + "EXCLUDED.charged_wh, EXCLUDED.discharged_wh, EXCLUDED.import_wh, EXCLUDED.export_wh)";

  private final Pool pool;
  private final PriceStore prices;

  public SettlementStore(Pool pool) {
    this.pool = pool;
    this.prices = new PriceStore(pool);
  }

  /** Each device's bidding zone: its strategy's {@code zone}, else {@code defaultZone}. */
  public Future<Map<String, String>> zones(Collection<String> deviceIds, String defaultZone) {
    return pool.preparedQuery("SELECT device_id, strategy->>'zone' AS zone FROM strategies WHERE device_id = ANY($1)")
      .execute(Tuple.of(deviceIds.toArray(String[]::new)))
      .map(rows -> {
        Map<String, String> zones = new HashMap<>();
        deviceIds.forEach(id -> zones.put(id, defaultZone));
        for (Row row : rows) {
          String zone = row.getString("zone");
          if (zone != null && !zone.isBlank()) {
            zones.put(row.getString("device_id"), zone);
          }
        }
        return zones;
      });
  }

  /** The zone's priced MTUs lying wholly in {@code [from, to)}, in time order. */
  public Future<List<PriceCurve.Point>> mtus(String zone, Instant from, Instant to) {
    return prices.points(zone, from, to)
      .map(points -> points.stream().filter(p -> !p.end().isAfter(to)).toList());
  }

  /** The settlements as rows of the upsert; money is computed here, so call it off the event loop for a fleet. */
  public static List<Tuple> rows(List<MtuSettlement> settlements) {
    List<Tuple> rows = new ArrayList<>(settlements.size());
    settlements.forEach(s -> rows.add(tuple(s)));
    return rows;
  }

  /**
   * Inserts or updates the rows (from {@link #rows}) in batches of {@code batchSize} statements; the number of rows
   * that were new or changed. A failed batch fails the call; what earlier batches wrote stays, and is written
   * again, unchanged, by the next run.
   */
  public Future<Integer> upsert(List<Tuple> rows, int batchSize) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (int from = 0; from < rows.size(); from += batchSize) {
      List<Tuple> batch = rows.subList(from, Math.min(from + batchSize, rows.size()));
      chain = chain.compose(written -> pool.preparedQuery(UPSERT).executeBatch(batch)
        .map(result -> written + changed(result)));
    }
    return chain;
  }

  private static int changed(RowSet<Row> rows) {
    int n = 0;
    for (RowSet<Row> r = rows; r != null; r = r.next()) {
      n += r.rowCount();
    }
    return n;
  }

  private static Tuple tuple(MtuSettlement s) {
    EnergyCounters e = s.energy();
    return Tuple.tuple()
      .addString(s.deviceId())
      .addOffsetDateTime(s.start().atOffset(ZoneOffset.UTC))
      .addOffsetDateTime(s.end().atOffset(ZoneOffset.UTC))
      .addString(s.zone())
      .addDouble(s.priceEurMwh())
      .addString(s.status().wire())
      .addLong(e == null ? null : e.chargedWh())
      .addLong(e == null ? null : e.dischargedWh())
      .addLong(e == null ? null : e.importWh())
      .addLong(e == null ? null : e.exportWh())
      .addValue(s.batteryValueEur())
      .addValue(s.gridCostEur())
      .addValue(s.gridCostWithoutBatteryEur());
  }
}
