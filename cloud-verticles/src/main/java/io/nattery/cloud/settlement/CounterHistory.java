package io.nattery.cloud.settlement;

import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.history.TelemetryPoints;
import io.nattery.protocol.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inverters' cumulative counters from the telemetry history (QuestDB, read with SQL over the PostgreSQL wire
 * protocol): one query for the whole fleet, summarised per device into quarter-hour buckets, so that a run
 * reads a few rows per device and MTU however often devices report.
 */
public final class CounterHistory {

  /** Every supported MTU (15, 30, 60 min) is a whole number of these, aligned to UTC midnight. */
  public static final Duration BUCKET = Duration.ofMinutes(15);

  private static final String[] COUNTERS = {"charged_wh", "discharged_wh", "import_wh", "export_wh"};
  private static final String QUERY = buildQuery();

  private final Vertx vertx;
  private final Pool questDb;

  public CounterHistory(Vertx vertx, Pool questDb) {
    this.vertx = vertx;
    this.questDb = questDb;
  }

  /**
   * What the history holds for a window.
   *
   * @param byDevice every device's buckets, in time order
   * @param skipped  buckets left out: a device id outside the contract, or a counter missing
   */
  public record Buckets(Map<String, List<CounterBucket>> byDevice, int skipped) {
  }

  /**
   * Every device's buckets with readings in {@code [from, to)}; none when the history holds no telemetry yet.
   * The rows of a fleet are many: they are turned into buckets off the event loop.
   */
  public Future<Buckets> buckets(Instant from, Instant to) {
    return questDb.preparedQuery(QUERY)
      .execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
      .compose(rows -> vertx.executeBlocking(() -> byDevice(rows)))
      .recover(e -> HistoryReads.noTableYet(e) ? Future.succeededFuture(new Buckets(Map.of(), 0)) : Future.failedFuture(e));
  }

  private static Buckets byDevice(RowSet<Row> rows) {
    Map<String, List<CounterBucket>> byDevice = new HashMap<>();
    int skipped = 0;
    for (Row row : rows) {
      String device = row.getString("device_id");
      CounterBucket bucket = Contract.isValidDeviceId(device) ? bucket(row) : null;
      if (bucket == null) {
        skipped++;
        continue;
      }
      byDevice.computeIfAbsent(device, id -> new ArrayList<>()).add(bucket);
    }
    byDevice.values().forEach(list -> list.sort(Comparator.comparing(CounterBucket::start)));
    return new Buckets(byDevice, skipped);
  }

  private static CounterBucket bucket(Row row) {
    Long[] first = new Long[COUNTERS.length];
    Long[] last = new Long[COUNTERS.length];
    boolean rising = true;
    for (int i = 0; i < COUNTERS.length; i++) {
      first[i] = row.getLong("first_" + COUNTERS[i]);
      last[i] = row.getLong("last_" + COUNTERS[i]);
      Long min = row.getLong("min_" + COUNTERS[i]);
      Long max = row.getLong("max_" + COUNTERS[i]);
      if (first[i] == null || last[i] == null || min == null || max == null) {
        return null;
      }
      rising &= min.equals(first[i]) && max.equals(last[i]);
    }
    return new CounterBucket(utc(row.getLocalDateTime("bucket")),
      utc(row.getLocalDateTime("first_ts")), new EnergyCounters(first[0], first[1], first[2], first[3]),
      utc(row.getLocalDateTime("last_ts")), new EnergyCounters(last[0], last[1], last[2], last[3]), rising);
  }

  private static Instant utc(LocalDateTime time) {
    return time.toInstant(ZoneOffset.UTC);
  }

  private static String buildQuery() {
    StringBuilder sql = new StringBuilder("SELECT timestamp AS bucket, device_id, min(timestamp) AS first_ts, "
      + "max(timestamp) AS last_ts");
    for (String counter : COUNTERS) {
      for (String f : new String[] {"first", "last", "min", "max"}) {
        sql.append(", ").append(f).append("(energy_").append(counter).append(") AS ").append(f).append('_')
          .append(counter);
      }
    }
    return sql.append(" FROM ").append(TelemetryPoints.MEASUREMENT)
      .append(" WHERE timestamp >= $1 AND timestamp < $2 SAMPLE BY ").append(BUCKET.toMinutes())
      .append("m ALIGN TO CALENDAR").toString();
  }
}
