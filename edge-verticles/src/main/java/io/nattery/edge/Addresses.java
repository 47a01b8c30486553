package io.nattery.edge;

import io.nattery.protocol.Contract;

/**
 * Local event-bus addresses of the edge. One JVM may host several edges (the demo), so every address
 * carries the device id: {@code edge.<device_id>.<what>}.
 */
public final class Addresses {
  private Addresses() {
  }

  /**
   * The Modbus worker of a device; one local consumer only. Requests and replies:
   * <pre>
   * {"op":"read","address":N,"count":N}     -> {"registers":[...]}   (words 0..65535)
   * {"op":"write","address":N,"values":[...]} -> {"written":N}
   * {"op":"stats"}                            -> the "modbus" object of Health
   * </pre>
   * Failures come back as {@code ReplyException}s whose code is a Modbus exception code (1..11),
   * or one of {@link io.nattery.edge.modbus.ModbusFailure}'s codes (400 bad request, 502 I/O error,
   * 503 not connected, 504 timeout).
   */
  public static String modbusRequest(String deviceId) {
    return "edge." + checked(deviceId) + ".modbus.request";
  }

  /** Telemetry JSON of a device (PROTOCOL.md's Telemetry), published by the poller once per sample. */
  public static String telemetry(String deviceId) {
    return "edge." + checked(deviceId) + ".telemetry";
  }

  private static String checked(String deviceId) {
    if (!Contract.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device_id: " + deviceId);
    }
    return deviceId;
  }
}
