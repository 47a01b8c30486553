package io.nattery.cloud.trading;

import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.history.TelemetryPoints;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A site's recent net load from the telemetry history, in quarter-hour means, for {@link SiteLoadForecast}. */
public final class SiteLoadHistory {

  private static final String QUERY = "SELECT timestamp AS quarter, avg(load_power_w) AS load_w, avg(pv_power_w) AS pv_w"
    + " FROM " + TelemetryPoints.MEASUREMENT + " WHERE device_id = $1 AND timestamp >= $2 AND timestamp < $3"
    + " SAMPLE BY 15m ALIGN TO CALENDAR";

  private final Pool questDb;

  public SiteLoadHistory(Pool questDb) {
    this.questDb = questDb;
  }

  /** The device's quarter-hours in {@code [from, to)}; none when the history holds no telemetry yet. */
  public Future<List<SiteLoadForecast.Sample>> samples(String deviceId, Instant from, Instant to) {
    return questDb.preparedQuery(QUERY)
      .execute(Tuple.of(deviceId, from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
      .map(rows -> {
        List<SiteLoadForecast.Sample> samples = new ArrayList<>();
        for (Row row : rows) {
          Double load = row.getDouble("load_w");
          Double pv = row.getDouble("pv_w");
          if (load != null && pv != null) {
            samples.add(new SiteLoadForecast.Sample(row.getLocalDateTime("quarter").toInstant(ZoneOffset.UTC),
              (load - pv) / 1000));
          }
        }
        return samples;
      })
      .recover(e -> HistoryReads.noTableYet(e) ? Future.succeededFuture(List.of()) : Future.failedFuture(e));
  }
}
