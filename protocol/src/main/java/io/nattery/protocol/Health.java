package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/** {@code devices/{id}/health}, every 60 s. {@code cpuTempC} is null where the board has no sensor. */
public record Health(
    String deviceId,
    Instant ts,
    long uptimeS,
    double cpuPct,
    double memUsedMb,
    double diskFreeMb,
    Double cpuTempC,
    Modbus modbus,
    Mqtt mqtt,
    String appVersion) {

  public Health {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(modbus, "modbus");
    Objects.requireNonNull(mqtt, "mqtt");
    Objects.requireNonNull(appVersion, "appVersion");
  }

  /** Modbus link counters; {@code lastOkTs} is null until the first answer. */
  public record Modbus(long requests, long errors, long timeouts, long crcErrors, Instant lastOkTs, double avgRttMs) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("requests", requests)
          .put("errors", errors)
          .put("timeouts", timeouts)
          .put("crc_errors", crcErrors)
          .put("last_ok_ts", Wire.text(lastOkTs))
          .put("avg_rtt_ms", avgRttMs);
    }

    public static Modbus fromJson(JsonObject json) {
      return new Modbus(
          json.getLong("requests"),
          json.getLong("errors"),
          json.getLong("timeouts"),
          json.getLong("crc_errors"),
          Wire.instantOrNull(json, "last_ok_ts"),
          json.getDouble("avg_rtt_ms"));
    }
  }

  /** MQTT link counters; {@code buffered} is what waits in the offline buffer. */
  public record Mqtt(long reconnects, long buffered) {

    public JsonObject toJson() {
      return new JsonObject().put("reconnects", reconnects).put("buffered", buffered);
    }

    public static Mqtt fromJson(JsonObject json) {
      return new Mqtt(json.getLong("reconnects"), json.getLong("buffered"));
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("device_id", deviceId)
        .put("ts", Wire.text(ts))
        .put("uptime_s", uptimeS)
        .put("cpu_pct", cpuPct)
        .put("mem_used_mb", memUsedMb)
        .put("disk_free_mb", diskFreeMb)
        .put("cpu_temp_c", cpuTempC)
        .put("modbus", modbus.toJson())
        .put("mqtt", mqtt.toJson())
        .put("app_version", appVersion);
  }

  public static Health fromJson(JsonObject json) {
    return new Health(
        json.getString("device_id"),
        Wire.instant(json, "ts"),
        json.getLong("uptime_s"),
        json.getDouble("cpu_pct"),
        json.getDouble("mem_used_mb"),
        json.getDouble("disk_free_mb"),
        json.getDouble("cpu_temp_c"),
        Modbus.fromJson(json.getJsonObject("modbus")),
        Mqtt.fromJson(json.getJsonObject("mqtt")),
        json.getString("app_version"));
  }
}
