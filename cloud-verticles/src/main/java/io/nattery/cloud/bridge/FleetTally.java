package io.nattery.cloud.bridge;

import io.nattery.protocol.UtcTimestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The latest sample of every device that reported recently, and the fleet's totals over them: what
 * {@code fleet.summary} says. A device whose latest sample is older than the window no longer counts (it is
 * offline or silent), so totals are never held up by stale values.
 */
public final class FleetTally {

  /** One device's latest figures, as the partials carry them. */
  public record Sample(long tsMillis, double socPct, double batteryW, double pvW, double gridW, double loadW,
                       boolean alarms) {

    /** From a contract-valid Telemetry. */
    public static Sample of(JsonObject telemetry) {
      JsonArray alarms = telemetry.getJsonArray("alarms");
      return new Sample(UtcTimestamps.parse(telemetry.getString("ts")).toEpochMilli(),
        number(telemetry, "soc_pct"), number(telemetry, "battery_power_w"), number(telemetry, "pv_power_w"),
        number(telemetry, "grid_power_w"), number(telemetry, "load_power_w"), alarms != null && !alarms.isEmpty());
    }

    JsonArray toJson(String deviceId) {
      return new JsonArray().add(deviceId).add(tsMillis).add(socPct).add(batteryW).add(pvW).add(gridW).add(loadW)
        .add(alarms);
    }

    static Sample fromJson(JsonArray row) {
      return new Sample(row.getLong(1), row.getDouble(2), row.getDouble(3), row.getDouble(4), row.getDouble(5),
        row.getDouble(6), row.getBoolean(7));
    }

    private static double number(JsonObject json, String field) {
      Number value = json.getNumber(field);
      return value == null ? 0 : value.doubleValue();
    }
  }

  private final Map<String, Sample> latest = new HashMap<>();

  /** Keeps the sample when it is newer than the one held for the device. */
  public void put(String deviceId, Sample sample) {
    latest.merge(deviceId, sample, (held, offered) -> offered.tsMillis() >= held.tsMillis() ? offered : held);
  }

  /** Takes the rows of a partial ({@link #toPartial}). */
  public void putAll(JsonArray rows) {
    for (int i = 0; i < rows.size(); i++) {
      JsonArray row = rows.getJsonArray(i);
      put(row.getString(0), Sample.fromJson(row));
    }
  }

  /** Every held sample as the rows of a partial. */
  public JsonArray toPartial() {
    JsonArray rows = new JsonArray();
    latest.forEach((id, sample) -> rows.add(sample.toJson(id)));
    return rows;
  }

  public boolean isEmpty() {
    return latest.isEmpty();
  }

  public void clear() {
    latest.clear();
  }

  /**
   * Forgets devices silent for longer than {@code window}, then sums the rest.
   *
   * @param devices devices in the registry
   * @param online  devices the state store holds online
   */
  public JsonObject summary(Instant now, Duration window, long devices, long online) {
    long oldest = now.minus(window).toEpochMilli();
    latest.values().removeIf(sample -> sample.tsMillis() < oldest);
    double soc = 0;
    double battery = 0;
    double pv = 0;
    double grid = 0;
    double load = 0;
    int alarms = 0;
    for (Sample sample : latest.values()) {
      soc += sample.socPct();
      battery += sample.batteryW();
      pv += sample.pvW();
      grid += sample.gridW();
      load += sample.loadW();
      alarms += sample.alarms() ? 1 : 0;
    }
    int reporting = latest.size();
    return new JsonObject()
      .put("ts", now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString())
      .put("devices", devices)
      .put("online", online)
      .put("reporting", reporting)
      .put("soc_pct_mean", reporting == 0 ? null : Math.round(soc / reporting * 10) / 10.0)
      .put("battery_power_w", Math.round(battery))
      .put("pv_power_w", Math.round(pv))
      .put("grid_power_w", Math.round(grid))
      .put("load_power_w", Math.round(load))
      .put("devices_with_alarms", alarms)
      .put("window_s", window.toSeconds());
  }
}
