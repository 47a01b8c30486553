package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** {@code devices/{id}/ack}: a schedule ack or an execution ack, told apart by {@code "type"}. */
public sealed interface Ack permits ScheduleAck, ExecutionAck {

  String scheduleId();

  String deviceId();

  Instant ts();

  JsonObject toJson();

  /** Expects a payload that passed {@link MessageValidator}. */
  static Ack fromJson(JsonObject json) {
    String type = json.getString("type");
    return switch (type == null ? "" : type) {
      case ScheduleAck.TYPE -> ScheduleAck.fromJson(json);
      case ExecutionAck.TYPE -> ExecutionAck.fromJson(json);
      default -> throw new IllegalArgumentException("unknown ack type: " + type);
    };
  }
}
