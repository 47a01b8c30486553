package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * {@code devices/{id}/commands}. {@code params} depend on the type (see command.schema.json); a
 * command past {@code expiresAt} is never executed. {@code traceId} may be null.
 */
public record Command(
    String commandId,
    String deviceId,
    CommandType type,
    JsonObject params,
    Instant issuedAt,
    Instant expiresAt,
    String traceId) {

  public Command {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    // JsonObject is mutable: keep a private copy so that the record stays immutable
    params = params == null ? new JsonObject() : params.copy();
  }

  /** A copy, so that callers cannot change the command. */
  @Override
  public JsonObject params() {
    return params.copy();
  }

  public boolean isExpired(Instant now) {
    return !now.isBefore(expiresAt);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("command_id", commandId)
        .put("device_id", deviceId)
        .put("type", type.wire())
        .put("params", params.copy())
        .put("issued_at", Wire.text(issuedAt))
        .put("expires_at", Wire.text(expiresAt))
        .put("trace_id", traceId);
  }

  public static Command fromJson(JsonObject json) {
    return new Command(
        json.getString("command_id"),
        json.getString("device_id"),
        CommandType.fromWire(json.getString("type")),
        json.getJsonObject("params"),
        Wire.instant(json, "issued_at"),
        Wire.instant(json, "expires_at"),
        json.getString("trace_id"));
  }
}
