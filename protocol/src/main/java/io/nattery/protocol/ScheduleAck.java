package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * Ack of a schedule delivery: RECEIVED, then APPLIED or FAILED with a {@code reason} such as
 * {@code stale_version} or {@code schema_invalid: slots[3].rate_kw}. Reason and trace id may be null.
 */
public record ScheduleAck(
    String scheduleId,
    String deviceId,
    long version,
    ScheduleAckStatus status,
    String reason,
    Instant ts,
    String traceId) implements Ack {

  public static final String TYPE = "schedule";

  public ScheduleAck {
    Objects.requireNonNull(scheduleId, "scheduleId");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(ts, "ts");
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("type", TYPE)
        .put("schedule_id", scheduleId)
        .put("device_id", deviceId)
        .put("version", version)
        .put("status", status.wire())
        .put("reason", reason)
        .put("ts", Wire.text(ts))
        .put("trace_id", traceId);
  }

  public static ScheduleAck fromJson(JsonObject json) {
    return new ScheduleAck(
        json.getString("schedule_id"),
        json.getString("device_id"),
        json.getLong("version"),
        ScheduleAckStatus.fromWire(json.getString("status")),
        json.getString("reason"),
        Wire.instant(json, "ts"),
        json.getString("trace_id"));
  }
}
