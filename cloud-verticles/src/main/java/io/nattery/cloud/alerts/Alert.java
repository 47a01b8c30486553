package io.nattery.cloud.alerts;

import java.time.Instant;

/**
 * An alert as raised: {@code key} names what it is about (at most one open alert per key), {@code alertId} this
 * episode of it. Exactly one of {@code deviceId} and {@code zone} is set.
 */
public record Alert(String alertId, String key, String type, String severity, String deviceId, String zone,
                    String detail, Instant at) {

  /** A device condition's alert: the key is {@code type/device[/code]}, the episode is told apart by its start. */
  static Alert ofDevice(String type, String deviceId, String code, String severity, String detail, Instant at) {
    String key = type + "/" + deviceId + (code == null ? "" : "/" + code);
    return new Alert(key + "/" + at.toEpochMilli(), key, type, severity, deviceId, null, detail, at);
  }

  static String deviceKey(String type, String deviceId, String code) {
    return type + "/" + deviceId + (code == null ? "" : "/" + code);
  }
}
