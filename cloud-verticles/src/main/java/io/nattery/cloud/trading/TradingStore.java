package io.nattery.cloud.trading;

import io.nattery.cloud.dispatch.ScheduleStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongFunction;

/** Strategies, schedule versions and planned values in PostgreSQL (tables of {@code V3__trading.sql}). */
public final class TradingStore {

  private static final Logger LOG = LoggerFactory.getLogger(TradingStore.class);

  /** The node's defaults for devices nobody configured. */
  public record Defaults(String zone, Strategy.Kind kind) {
  }

  /**
   * A registry device with the strategy it trades under; {@code configured} is false when the strategy is the
   * node's default. {@code strategy} is empty when the device has no rating to derive a default from.
   */
  public record DeviceStrategy(String deviceId, Double ratedPowerKw, Optional<Strategy> strategy, boolean configured,
                               OffsetDateTime updatedAt, String updatedBy) {
  }

  private static final String SELECT = "SELECT d.device_id, d.rated_power_kw, d.capacity_kwh, s.strategy, "
    + "s.updated_at, s.updated_by FROM devices d LEFT JOIN strategies s ON s.device_id = d.device_id";

  private final Pool pool;
  private final Defaults defaults;

  public TradingStore(Pool pool, Defaults defaults) {
    this.pool = pool;
    this.defaults = defaults;
  }

  /** Every registry device with its strategy, in device order. */
  public Future<List<DeviceStrategy>> all() {
    return pool.query(SELECT + " ORDER BY d.device_id").execute().map(rows -> {
      List<DeviceStrategy> devices = new ArrayList<>();
      rows.forEach(row -> devices.add(deviceStrategy(row)));
      return devices;
    });
  }

  public Future<Optional<DeviceStrategy>> find(String deviceId) {
    return pool.preparedQuery(SELECT + " WHERE d.device_id = $1").execute(Tuple.of(deviceId))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(deviceStrategy(rows.iterator().next())));
  }

  /** Stores a device's strategy; empty when the device is not in the registry. */
  public Future<Optional<DeviceStrategy>> put(String deviceId, Strategy strategy, String updatedBy) {
    return pool.preparedQuery("INSERT INTO strategies (device_id, strategy, updated_by) "
        + "SELECT device_id, $2, $3 FROM devices WHERE device_id = $1 "
        + "ON CONFLICT (device_id) DO UPDATE SET strategy = EXCLUDED.strategy, updated_by = EXCLUDED.updated_by, "
        + "updated_at = now()")
      .execute(Tuple.of(deviceId, strategy.toJson(), updatedBy))
      .compose(r -> r.rowCount() == 0 ? Future.succeededFuture(Optional.empty()) : find(deviceId));
  }

  /** The devices that were sent a schedule reaching {@code day}. */
  public Future<Set<String>> plannedDevices(LocalDate day) {
    return pool.preparedQuery("SELECT DISTINCT device_id FROM trading_plans WHERE delivery_day = $1 "
        + "AND published_at IS NOT NULL")
      .execute(Tuple.of(day))
      .map(rows -> {
        Set<String> devices = new HashSet<>();
        rows.forEach(row -> devices.add(row.getString("device_id")));
        return devices;
      });
  }

  /** Marks a recorded schedule as taken by the broker; its ack is awaited for {@code ackTimeoutMs}. */
  public Future<Void> published(String scheduleId, long ackTimeoutMs) {
    return pool.preparedQuery("UPDATE trading_plans SET published_at = now() WHERE schedule_id = $1")
      .execute(Tuple.of(UUID.fromString(scheduleId)))
      .compose(r -> new ScheduleStore(pool).delivered(scheduleId, ackTimeoutMs));
  }

  /**
   * Takes the device's next schedule version, builds the schedule with it and records its plan, in one
   * transaction: a version is never handed out twice, and a recorded plan always has its version.
   */
  public Future<PlannedSchedule> record(String deviceId, String zone, LocalDate day, Strategy.Kind kind,
                                        LongFunction<PlannedSchedule> build) {
    return pool.withTransaction(conn -> conn
      .preparedQuery(ScheduleStore.NEXT_VERSION + " SELECT device_id, 1 FROM devices WHERE device_id = $1 "
        + ScheduleStore.NEXT_VERSION_CONFLICT)
      .execute(Tuple.of(deviceId))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.failedFuture(new IllegalStateException("device left the registry: " + deviceId));
        }
        PlannedSchedule planned = build.apply(rows.iterator().next().getLong("schedule_version"));
        return conn.preparedQuery("INSERT INTO trading_plans (schedule_id, device_id, zone, delivery_day, version, "
            + "strategy, planned_value_eur, optimal, slots) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
          .execute(Tuple.from(new Object[] {UUID.fromString(planned.schedule().scheduleId()), deviceId, zone, day,
            planned.schedule().version(), kind.wire(), planned.plannedValueEur(), planned.optimal(),
            planned.plannedSlots()}))
          // tracked like any schedule: delivery, acks, executions
          .compose(r -> ScheduleStore.insert(conn, planned.schedule(), "trading:" + planned.schedule().scheduleId(),
            "trading"))
          .map(planned);
      }));
  }

  private DeviceStrategy deviceStrategy(Row row) {
    String deviceId = row.getString("device_id");
    Double rated = row.getDouble("rated_power_kw");
    Double capacity = row.getDouble("capacity_kwh");
    Object stored = row.getValue("strategy");
    if (stored instanceof JsonObject json) {
      Optional<Strategy> strategy;
      try {
        strategy = Optional.of(Strategy.fromJson(json));
      } catch (IllegalArgumentException e) {
        // written by hand or by an older release: this device is not traded, the rest of the fleet still is
        LOG.error("stored strategy is unusable; the device is not traded [device: {}]: {}", deviceId, e.getMessage());
        strategy = Optional.empty();
      }
      return new DeviceStrategy(deviceId, rated, strategy, true, row.getOffsetDateTime("updated_at"),
        row.getString("updated_by"));
    }
    Optional<Strategy> byDefault = rated == null || capacity == null ? Optional.empty()
      : Optional.of(Strategy.defaultFor(defaults.zone(), defaults.kind(), rated, capacity));
    return new DeviceStrategy(deviceId, rated, byDefault, false, null, null);
  }
}
