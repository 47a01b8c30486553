package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * One per slot that started: what was asked ({@code requestedKw}, >= 0 in the mode's direction) and
 * what the inverter did ({@code actualKw}, null when unknown). Reason may be null.
 */
public record ExecutionAck(
    String scheduleId,
    String deviceId,
    Instant slotStart,
    Mode mode,
    double requestedKw,
    Double actualKw,
    ExecutionStatus status,
    String reason,
    Instant ts) implements Ack {

  public static final String TYPE = "execution";

  public ExecutionAck {
    Objects.requireNonNull(scheduleId, "scheduleId");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(slotStart, "slotStart");
    Objects.requireNonNull(mode, "mode");
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
        .put("slot_start", Wire.text(slotStart))
        .put("mode", mode.wire())
        .put("requested_kw", requestedKw)
        .put("actual_kw", actualKw)
        .put("status", status.wire())
        .put("reason", reason)
        .put("ts", Wire.text(ts));
  }

  public static ExecutionAck fromJson(JsonObject json) {
    return new ExecutionAck(
        json.getString("schedule_id"),
        json.getString("device_id"),
        Wire.instant(json, "slot_start"),
        Mode.fromWire(json.getString("mode")),
        json.getDouble("requested_kw"),
        json.getDouble("actual_kw"),
        ExecutionStatus.fromWire(json.getString("status")),
        json.getString("reason"),
        Wire.instant(json, "ts"));
  }
}
