package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/** Retained {@code devices/{id}/status}; the offline one is the device's last will. */
public record DeviceStatus(String deviceId, boolean online, Instant ts) {

  public DeviceStatus {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(ts, "ts");
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("device_id", deviceId)
        .put("online", online)
        .put("ts", Wire.text(ts));
  }

  public static DeviceStatus fromJson(JsonObject json) {
    return new DeviceStatus(json.getString("device_id"), json.getBoolean("online"), Wire.instant(json, "ts"));
  }
}
