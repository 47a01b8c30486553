package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/** {@code devices/{id}/alarms}: an alarm raised or cleared; {@code detail} may be null. */
public record Alarm(String deviceId, Instant ts, String code, Severity severity, AlarmState state, String detail) {

  public Alarm {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(state, "state");
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("device_id", deviceId)
        .put("ts", Wire.text(ts))
        .put("code", code)
        .put("severity", severity.wire())
        .put("state", state.wire())
        .put("detail", detail);
  }

  public static Alarm fromJson(JsonObject json) {
    return new Alarm(
        json.getString("device_id"),
        Wire.instant(json, "ts"),
        json.getString("code"),
        Severity.fromWire(json.getString("severity")),
        AlarmState.fromWire(json.getString("state")),
        json.getString("detail"));
  }
}
