package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/** {@code devices/{id}/commands/result}. Reason and result may be null. */
public record CommandResult(
    String commandId,
    String deviceId,
    CommandStatus status,
    String reason,
    JsonObject result,
    Instant ts) {

  public CommandResult {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(ts, "ts");
    // JsonObject is mutable: keep a private copy so that the record stays immutable
    result = Wire.copyOrNull(result);
  }

  /** A copy, so that callers cannot change the result. */
  @Override
  public JsonObject result() {
    return Wire.copyOrNull(result);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("command_id", commandId)
        .put("device_id", deviceId)
        .put("status", status.wire())
        .put("reason", reason)
        .put("result", Wire.copyOrNull(result))
        .put("ts", Wire.text(ts));
  }

  public static CommandResult fromJson(JsonObject json) {
    return new CommandResult(
        json.getString("command_id"),
        json.getString("device_id"),
        CommandStatus.fromWire(json.getString("status")),
        json.getString("reason"),
        json.getJsonObject("result"),
        Wire.instant(json, "ts"));
  }
}
