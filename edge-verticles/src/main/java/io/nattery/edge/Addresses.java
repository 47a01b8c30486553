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
   * Header of a schedule on {@link #scheduleIn}: {@code "true"} when the broker replayed its retained copy on
   * subscribe, {@code "false"} when it was published while the device was listening (the cloud sending it again).
   */
  public static final String RETAINED_HEADER = "retained";

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

  /**
   * The battery control of a device (safety limits, emergency stop):
   * <pre>
   * {"op":"apply","mode":"charge","power_w":-3000,"soc_min_pct":..,"soc_max_pct":..,"source":"schedule"}
   *     -> {"mode","setpoint_w","limited_by"}
   * {"op":"emergency_stop"} / {"op":"resume"} -> {"mode","setpoint_w","stopped"}
   * </pre>
   */
  public static String control(String deviceId) {
    return "edge." + checked(deviceId) + ".control";
  }

  /** Raw payloads (Buffer) the uplink received on {@code devices/{id}/schedule}. */
  public static String scheduleIn(String deviceId) {
    return "edge." + checked(deviceId) + ".schedule.in";
  }

  /** Raw payloads (Buffer) the uplink received on {@code devices/{id}/commands}. */
  public static String commandIn(String deviceId) {
    return "edge." + checked(deviceId) + ".command.in";
  }

  /** Published (empty body) after something was queued in the outbox: the uplink drains it. */
  public static String outboxKick(String deviceId) {
    return "edge." + checked(deviceId) + ".outbox.kick";
  }

  /** Health JSON, published every 60 s; QoS 0, never buffered. */
  public static String health(String deviceId) {
    return "edge." + checked(deviceId) + ".health";
  }

  /** Request-reply: the uplink's counters, {"reconnects","buffered","published","dropped"}. */
  public static String uplinkStats(String deviceId) {
    return "edge." + checked(deviceId) + ".uplink.stats";
  }

  private static String checked(String deviceId) {
    if (!Contract.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device_id: " + deviceId);
    }
    return deviceId;
  }
}
